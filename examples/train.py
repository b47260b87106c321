"""Train a model with SageMaker: `pulumi up` waits for the job and exports its model artifacts.

Run it under Pulumi's mocks, without the Pulumi CLI or AWS: `python -m sagestack.examples
examples/train.py` (it prints every resource the program would create).
"""

import json

import pulumi
import pulumi_aws as aws

from components import Compute, InputData, OutputDataConfig, StoppingCondition, TrainingJob
from components.roles import SAGEMAKER_TRUST

role = aws.iam.Role("training", assume_role_policy=json.dumps(SAGEMAKER_TRUST))
key = aws.kms.Key("models", enable_key_rotation=True)

job = TrainingJob(
    "churn",
    image_uri="683313688378.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1",
    role_arn=role.arn,  # a pulumi.Output is fine
    compute=Compute(instance_type="ml.m5.xlarge", instance_count=1),
    input_data=[InputData(channel_name="train", data_source="s3://my-bucket/churn/train")],
    output_data_config=OutputDataConfig(s3_output_path="s3://my-bucket/churn/output"),
    stopping_condition=StoppingCondition(max_runtime_in_seconds=3600),
    hyperparameters={"max_depth": "5", "objective": "binary:logistic"},
    kms_key_id=key.arn,  # output, and volume where the type allows
    tags={"team": "ml"},
)
pulumi.export("model", job.model_artifacts)
