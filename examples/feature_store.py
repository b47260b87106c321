"""A feature group with an online store (30-day TTL) and an encrypted offline store.

Features can be added later in place: the group and its records stay. Run it under Pulumi's
mocks: `python -m sagestack.examples examples/feature_store.py`.
"""

import pulumi
import pulumi_aws as aws

from components import Feature, FeatureGroup, OfflineStore, OnlineStore, Ttl

key = aws.kms.Key("features", enable_key_rotation=True)

customers = FeatureGroup(
    "customers",
    record_identifier="customer_id",
    event_time="event_time",
    features=[
        Feature(name="customer_id", type="String"),
        Feature(name="event_time", type="Fractional"),
        Feature(name="tenure", type="Integral"),
    ],
    online_store=OnlineStore(ttl=Ttl(unit="Days", value=30)),
    offline_store=OfflineStore(s3_uri="s3://my-bucket/feature-store", kms_key_id=key.arn),
)
pulumi.export("feature_group", customers.arn)
