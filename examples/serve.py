"""Serve a registered model behind an endpoint that deploys with a canary and rolls back on alarm.

In the `prod` stack the endpoint refuses a package that is not Approved, before anything is
created. Run it under Pulumi's mocks: `python -m sagestack.examples examples/serve.py`.
"""

import pulumi
import pulumi_aws as aws

from components import (
    BlueGreen,
    DataCapture,
    InstanceVariant,
    ModelEndpoint,
    ModelPackage,
    TrafficShift,
)

key = aws.kms.Key("serving", enable_key_rotation=True)
package = ModelPackage(
    "churn-model",
    group_name="churn",
    image_uri="683313688378.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1",
    model_data_url="s3://my-bucket/churn/output/model.tar.gz",
    supported_realtime_inference_instance_types=["ml.m5.large"],
)

endpoint = ModelEndpoint(
    "churn",
    model_source=package,  # a ModelPackage, a model package ARN, or a TrainingJob
    variants=[InstanceVariant(instance_type="ml.m5.large", initial_instance_count=2)],
    deployment=BlueGreen(
        traffic=TrafficShift(type="CANARY", canary_percent=10, wait_interval_in_seconds=600),
        rollback_alarms=["churn-5xx"],
    ),
    data_capture=DataCapture(destination_s3_uri="s3://my-bucket/capture", kms_key_id=key.arn),
    kms_key_id=key.arn,
    production=pulumi.get_stack() == "prod",  # prod refuses a package that is not Approved
)
pulumi.export("endpoint", endpoint.endpoint_name)
