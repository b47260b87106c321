"""Train, then register the model as a new version in a registry shared with other accounts.

Run it under Pulumi's mocks: `python -m sagestack.examples examples/register.py`.
"""

import json

import pulumi
import pulumi_aws as aws

from components import (
    Compute,
    InputData,
    ModelMetadata,
    ModelPackage,
    ModelRegistry,
    OutputDataConfig,
    TrainingJob,
)
from components.roles import SAGEMAKER_TRUST

role = aws.iam.Role("training", assume_role_policy=json.dumps(SAGEMAKER_TRUST))
commit = pulumi.Config().get("commit") or "0000000"
job = TrainingJob(
    "churn",
    image_uri="683313688378.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1",
    role_arn=role.arn,
    compute=Compute(instance_type="ml.m5.xlarge"),
    input_data=[InputData(channel_name="train", data_source="s3://my-bucket/churn/train")],
    output_data_config=OutputDataConfig(s3_output_path="s3://my-bucket/churn/output"),
)

registry = ModelRegistry("churn", share_with_accounts=["111111111111"])  # staging/prod accounts
package = ModelPackage(
    "churn-model",
    registry=registry,
    model_source=job,  # a TrainingJob: its image and model artifacts
    supported_realtime_inference_instance_types=["ml.m5.large"],
    approval_status="PendingManualApproval",
    metadata=ModelMetadata(commit_id=commit, repository="github.com/acme/churn"),
)
pulumi.export("package_arn", package.arn)
