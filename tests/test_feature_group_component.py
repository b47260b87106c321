"""FeatureGroup under Pulumi's mocks: the group, its least-privilege role, and what it passes on.

Bad feature group inputs are in the bad-input corpus (tests/bad_inputs.yaml).
"""

from __future__ import annotations

import json
from typing import Any

from components import Feature, FeatureGroup, OfflineStore, OnlineStore, Throughput, Ttl
from sagestack.testing.mocks import run_program

KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _group(**overrides: Any) -> FeatureGroup:
    arguments: dict[str, Any] = {
        "record_identifier": "customer_id",
        "event_time": "event_time",
        "features": [Feature(name="customer_id", type="String"), Feature(name="event_time", type="Fractional")],
        "offline_store": OfflineStore(s3_uri="s3://data/feature-store/customers", kms_key_id=KEY),
        "online_store": OnlineStore(ttl=Ttl(unit="Days", value=7)),
    }
    arguments.update(overrides)
    return FeatureGroup("customers", **arguments)


def test_component_registers_the_group_and_a_least_privilege_role() -> None:
    run = run_program(lambda: _group() and None)
    component = run.named("customers")
    assert [r.name for r in run.children_of(component)] == ["customers-role", "customers-group"]
    group = run.named("customers-group")
    assert group.type == "pulumi-python:dynamic/sagemaker:FeatureGroup"
    assert group.inputs["features"] == [
        {"FeatureName": "customer_id", "FeatureType": "String"},
        {"FeatureName": "event_time", "FeatureType": "Fractional"},
    ]
    assert group.inputs["online_store"] == {
        "EnableOnlineStore": True,
        "StorageType": "Standard",
        "TtlDuration": {"Unit": "Days", "Value": 7},
    }
    assert group.inputs["role_arn"] == "arn:aws:mock:us-west-2:123456789012:role/customers-role"
    policy = json.loads(run.named("customers-role-policy").inputs["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "WriteOfflineStore",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": "arn:aws:s3:::data/feature-store/customers/*",
        },
        {"Sid": "CheckBucket", "Effect": "Allow", "Action": ["s3:GetBucketAcl"], "Resource": "arn:aws:s3:::data"},
        {
            "Sid": "GlueCatalog",
            "Effect": "Allow",
            "Action": ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:GetDatabase"],
            "Resource": [
                "arn:aws:glue:us-west-2:123456789012:catalog",
                "arn:aws:glue:us-west-2:123456789012:database/sagemaker_featurestore",
                "arn:aws:glue:us-west-2:123456789012:table/sagemaker_featurestore/*",
            ],
        },
        {
            "Sid": "UseKey",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": KEY,
        },
    ]


def test_a_given_role_means_no_generated_role() -> None:
    run = run_program(lambda: _group(role_arn="arn:aws:iam::123456789012:role/FeatureStore") and None)
    assert [r.name for r in run.children_of(run.named("customers"))] == ["customers-group"]


def test_online_only_in_memory_with_vectors_and_provisioned_throughput() -> None:
    features = [
        Feature(name="customer_id", type="String"),
        Feature(name="event_time", type="String"),
        Feature(name="embedding", type="Fractional", collection_type="Vector", vector_dimension=128),
    ]
    run = run_program(
        lambda: (
            _group(
                features=features,
                offline_store=None,
                online_store=OnlineStore(storage_type="InMemory"),
                throughput=Throughput(mode="Provisioned", read_units=10, write_units=5),
            )
            and None
        )
    )
    group = run.named("customers-group")
    assert group.inputs["features"][2] == {
        "FeatureName": "embedding",
        "FeatureType": "Fractional",
        "CollectionType": "Vector",
        "CollectionConfig": {"VectorConfig": {"Dimension": 128}},
    }
    assert group.inputs["throughput"] == {
        "ThroughputMode": "Provisioned",
        "ProvisionedReadCapacityUnits": 10,
        "ProvisionedWriteCapacityUnits": 5,
    }
    assert "offline_store" not in group.inputs or group.inputs["offline_store"] is None
