"""The local AWS's request log: every SageMaker request it received, with its body exactly as sent."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from sagestack.local.control import RecordedRequest, RequestLog
from sagestack.testing.local_aws import LocalAws

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"


def _config(name: str) -> dict[str, object]:
    return {
        "EndpointConfigName": name,
        "ProductionVariants": [
            {
                "VariantName": "primary",
                "ModelName": "m",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 2,
                "InitialVariantWeight": 1.0,
            }
        ],
    }


def test_a_sagemaker_request_is_recorded_with_its_body_as_sent(aws: LocalAws) -> None:
    sagemaker = aws.client("sagemaker", region="eu-west-1")
    sagemaker.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "image:1"})
    sagemaker.create_endpoint_config(**_config("recorded"))
    [request] = aws.requests("sagemaker:CreateEndpointConfig")
    assert request == {
        "operation": "sagemaker:CreateEndpointConfig",
        "body": _config("recorded"),
        "account": "123456789012",
        "region": "eu-west-1",
    }
    variant = request["body"]["ProductionVariants"][0]
    assert type(variant["InitialInstanceCount"]) is int  # 2 arrives as 2, not 2.0 ...
    assert type(variant["InitialVariantWeight"]) is float  # ... and 1.0 as 1.0


def test_only_sagemaker_requests_are_recorded_and_they_can_be_filtered(aws: LocalAws) -> None:
    sagemaker = aws.client("sagemaker")
    aws.client("s3").list_buckets()
    sagemaker.create_model_package_group(ModelPackageGroupName="g")
    sagemaker.describe_model_package_group(ModelPackageGroupName="g")
    sagemaker.list_training_jobs()  # answered by moto, not our layer: recorded all the same
    assert [r["operation"] for r in aws.requests()] == [
        "sagemaker:CreateModelPackageGroup",
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:ListTrainingJobs",
    ]
    assert [r["body"] for r in aws.requests("sagemaker:DescribeModelPackageGroup")] == [{"ModelPackageGroupName": "g"}]


def test_a_request_answered_by_a_fault_was_still_received(aws: LocalAws) -> None:
    aws.fail_calls("sagemaker:CreateModelPackageGroup", code="ValidationException", message="no")
    with pytest.raises(ClientError, match="ValidationException"):
        aws.client("sagemaker").create_model_package_group(ModelPackageGroupName="faulted")
    assert [r["body"] for r in aws.requests()] == [{"ModelPackageGroupName": "faulted"}]


def test_clear_and_reset_forget_the_requests(aws: LocalAws) -> None:
    sagemaker = aws.client("sagemaker")
    sagemaker.create_model_package_group(ModelPackageGroupName="one")
    aws.clear_requests()
    assert aws.requests() == []
    assert aws.calls()["sagemaker:CreateModelPackageGroup"] == 1, "clearing the log leaves the counts alone"
    sagemaker.create_model_package_group(ModelPackageGroupName="two")
    aws.reset()
    assert aws.requests() == []


def test_the_log_keeps_only_the_newest_requests() -> None:
    log = RequestLog(size=3)
    for index in range(5):
        log.record(RecordedRequest(operation="sagemaker:X", body={"n": index}, account="1", region="r"))
    assert [request["body"] for request in log.snapshot()] == [{"n": 2}, {"n": 3}, {"n": 4}]
