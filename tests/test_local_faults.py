"""The local AWS: injected errors, the call counter, the control interface, the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from sagestack.testing.local_aws import LocalAws, LocalAwsError
from tests.aws_errors import aws_error
from tests.sagemaker_requests import training_job


def test_adaptive_retries_get_through_three_throttles(aws: LocalAws) -> None:
    sm = aws.client("sagemaker", retries={"mode": "adaptive", "max_attempts": 5})
    sm.create_training_job(**training_job("t"))
    aws.clear_calls()
    aws.fail_calls("sagemaker:DescribeTrainingJob", count=3)
    response = sm.describe_training_job(TrainingJobName="t")
    assert response["ResponseMetadata"]["RetryAttempts"] == 3
    assert aws.calls() == {"sagemaker:DescribeTrainingJob": 4}


def test_without_retries_the_throttle_reaches_the_caller(aws: LocalAws) -> None:
    sm = aws.client("sagemaker", retries={"mode": "standard", "total_max_attempts": 1})
    aws.fail_calls("sagemaker:ListTrainingJobs", count=1)
    assert aws_error(sm.list_training_jobs) == ("ThrottlingException", "Rate exceeded")
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []


def test_a_5xx_on_create_creates_nothing(aws: LocalAws) -> None:
    sm = aws.client("sagemaker", retries={"mode": "standard", "total_max_attempts": 1})
    aws.fail_calls(
        "sagemaker:CreateTrainingJob", code="InternalFailure", status=500, message="We encountered an internal error."
    )
    with pytest.raises(ClientError) as raised:
        sm.create_training_job(**training_job("t"))
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert raised.value.response["Error"]["Code"] == "InternalFailure"
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []


def test_faults_answer_in_the_query_protocol_too(aws: LocalAws) -> None:
    iam = aws.client("iam", retries={"mode": "standard", "total_max_attempts": 1})
    aws.fail_calls("iam:ListRoles", code="Throttling")
    assert aws_error(iam.list_roles)[0] == "Throttling"
    assert iam.list_roles()["Roles"] == []


def test_counter_names_every_service_and_operation(aws: LocalAws) -> None:
    aws.client("sts").get_caller_identity()
    aws.client("kms").list_keys()
    sm = aws.client("sagemaker")
    sm.list_training_jobs()
    sm.list_training_jobs()
    sm.list_endpoints()
    assert aws.calls() == {
        "sts:GetCallerIdentity": 1,
        "kms:ListKeys": 1,
        "sagemaker:ListTrainingJobs": 2,
        "sagemaker:ListEndpoints": 1,
    }


def test_reset_forgets_resources_faults_counts_and_clock(aws: LocalAws) -> None:
    sm = aws.client("sagemaker")
    sm.create_training_job(**training_job("t"))
    aws.client("s3").create_bucket(Bucket="bucket-b", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    aws.fail_calls("sagemaker:ListTrainingJobs", count=5)
    aws.freeze_clock(at=0)
    aws.reset()
    assert aws.calls() == {}
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []
    assert aws.client("s3").list_buckets()["Buckets"] == []
    assert aws.now() > 1_700_000_000


def test_operations_moto_lacks_are_ours(aws: LocalAws) -> None:
    ours = set(aws.health()["sagemaker_operations"])
    assert {
        "StopTrainingJob",
        "UpdateEndpoint",
        "UpdateFeatureGroup",
        "DeleteFeatureGroup",
        "DeleteModelPackage",
    } <= ours


def test_control_interface_rejects_bad_requests(aws: LocalAws) -> None:
    with pytest.raises(LocalAwsError, match="kind"):
        aws.fail_resource("notebook", "nope")
    with pytest.raises(LocalAwsError, match="count"):
        aws.fail_calls("sagemaker:ListTrainingJobs", count=0)
    with pytest.raises(LocalAwsError, match="typo"):
        aws.set_durations({"training_job": {"typo": 1.0}})


def test_durations_come_from_the_environment() -> None:
    server = LocalAws.start(durations={"endpoint": {"creating": 42}})
    try:
        durations = server._control("GET", "durations")
        assert durations["endpoint"]["creating"] == 42
        assert durations["training_job"]["training"] == 1.0
    finally:
        server.stop()


def test_cli_refuses_a_malformed_duration() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sagestack", "local", "--port", "0", "--duration", "training_job.training"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "KIND.PHASE=SECONDS" in result.stderr


def test_a_lost_response_means_the_call_took_effect(aws: LocalAws) -> None:
    sm = aws.client("sagemaker", retries={"mode": "standard", "total_max_attempts": 1})
    aws.fail_calls("sagemaker:CreateTrainingJob", code="InternalFailure", status=500, after_serving=True)
    with pytest.raises(ClientError):
        sm.create_training_job(**training_job("t"))
    assert [s["TrainingJobName"] for s in sm.list_training_jobs()["TrainingJobSummaries"]] == ["t"]
    assert aws_error(lambda: sm.create_training_job(**training_job("t")))[0] == "ResourceInUse"
