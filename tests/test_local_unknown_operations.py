"""An operation the local AWS does not answer fails at once, with an AWS-style error a client
does not retry, never moto's 500 page (which boto3 retried for 9-16 s: issue 20)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagestack.testing.local_aws import LocalAws

LIMIT_SECONDS = 1.0


def timed_error(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str, float]:
    started = time.monotonic()
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"], time.monotonic() - started


@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
def test_an_unemulated_sagemaker_operation_fails_in_under_a_second(aws: LocalAws, mode: str) -> None:
    sm = aws.client("sagemaker", retries={"mode": mode})
    code, message, seconds = timed_error(
        sm.update_training_job, TrainingJobName="job", ResourceConfig={"KeepAlivePeriodInSeconds": 60}
    )
    assert code == "UnknownOperationException"
    assert message.startswith("sagestack local does not emulate sagemaker operation UpdateTrainingJob")
    assert seconds < LIMIT_SECONDS
    assert aws.calls()["sagemaker:UpdateTrainingJob"] == 1, "answered once: no retry"


def test_operations_neither_the_layer_nor_moto_answers(aws: LocalAws) -> None:
    sm = aws.client("sagemaker")
    code, _, seconds = timed_error(sm.describe_labeling_job, LabelingJobName="l")  # moto lacks it
    assert (code, seconds < LIMIT_SECONDS) == ("UnknownOperationException", True)
    code, _, _ = timed_error(sm.list_hyper_parameter_tuning_jobs)  # moto's, but it would create training jobs
    assert code == "UnknownOperationException"


def test_unemulated_runtime_operations(aws: LocalAws) -> None:
    features = aws.client("sagemaker-featurestore-runtime")
    code, message, seconds = timed_error(features.list_records, FeatureGroupName="g")
    assert code == "UnknownOperationException" and "ListRecords" in message and seconds < LIMIT_SECONDS
    runtime = aws.client("sagemaker-runtime")
    code, _, _ = timed_error(runtime.invoke_endpoint_with_response_stream, EndpointName="e", Body=b"")
    assert code == "UnknownOperationException"


def test_actions_moto_lacks_in_other_services(aws: LocalAws) -> None:
    """Any service: moto's NotImplementedError becomes the protocol's error, not a 500 page."""
    kms = aws.client("kms")  # JSON protocol
    code, _, seconds = timed_error(kms.describe_custom_key_stores)
    assert (code, seconds < LIMIT_SECONDS) == ("UnknownOperationException", True)
    iam = aws.client("iam")  # query protocol
    code, _, seconds = timed_error(iam.change_password, OldPassword="a", NewPassword="b")
    assert (code, seconds < LIMIT_SECONDS) == ("InvalidAction", True)


def test_a_target_no_sagemaker_model_knows(aws: LocalAws) -> None:
    request = urllib.request.Request(
        aws.url + "/",
        data=b"{}",
        headers={
            "X-Amz-Target": "SageMaker.MakeItSo",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-west-2/sagemaker/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    assert raised.value.code == 400
    assert json.loads(raised.value.read())["__type"] == "UnknownOperationException"


def test_a_sagemaker_signed_path_no_operation_has(aws: LocalAws) -> None:
    request = urllib.request.Request(
        aws.url + "/FeatureGroup/g/Nothing",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-west-2/sagemaker/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    assert raised.value.code == 400
    assert raised.value.headers["x-amzn-ErrorType"] == "UnknownOperationException"
