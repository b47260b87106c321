"""Invoking endpoints on the local AWS through boto3's `sagemaker-runtime` client: refused unless
the endpoint serves, answered by a configurable model, routed by weight, captured to S3."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from sagestack.local.control import Invocation, ModelFailure, Reply
from sagestack.testing.local_aws import LocalAws
from tests.aws_errors import aws_error
from tests.sagemaker_requests import endpoint_config, model

CAPTURE = {
    "EnableCapture": True,
    "InitialSamplingPercentage": 100,
    "DestinationS3Uri": "s3://capture/datacapture",
    "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"], "JsonContentTypes": ["application/json"]},
}


@pytest.fixture(scope="module")
def in_process() -> Iterator[LocalAws]:
    server = LocalAws.start_in_process()
    yield server
    server.stop()


@pytest.fixture
def local(in_process: LocalAws) -> LocalAws:
    in_process.reset()
    in_process.freeze_clock()
    in_process.set_durations({"endpoint": {"creating": 60, "updating": 60}})
    sm = in_process.client("sagemaker")
    sm.create_model(**model("m1"))
    sm.create_model(**model("m2"))
    return in_process


def _endpoint(local: LocalAws, name: str = "ep", **config: Any) -> Any:
    sm = local.client("sagemaker")
    sm.create_endpoint_config(**(endpoint_config(f"{name}-config", model_name="m1") | config))
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")
    local.advance_clock(60)
    return local.client("sagemaker-runtime")


def test_a_missing_or_creating_endpoint_is_refused(local: LocalAws) -> None:
    runtime = local.client("sagemaker-runtime")
    assert aws_error(runtime.invoke_endpoint, EndpointName="nope", Body=b"{}") == (
        "ValidationError",
        "Endpoint nope of account 123456789012 not found.",
    )
    sm = local.client("sagemaker")
    sm.create_endpoint_config(**endpoint_config("c", model_name="m1"))
    sm.create_endpoint(EndpointName="young", EndpointConfigName="c")
    assert aws_error(runtime.invoke_endpoint, EndpointName="young", Body=b"{}")[0] == "ValidationError"
    local.advance_clock(60)
    assert runtime.invoke_endpoint(EndpointName="young", Body=b"{}")["InvokedProductionVariant"] == "primary"


def test_echo_by_default_then_a_fixed_body_or_a_model_error(local: LocalAws) -> None:
    runtime = _endpoint(local)
    answer = runtime.invoke_endpoint(EndpointName="ep", Body=b"1,2,3", ContentType="text/csv")
    assert (answer["Body"].read(), answer["ContentType"]) == (b"1,2,3", "text/csv")
    local.respond("ep", "fixed", body='{"score": 0.9}')
    assert json.loads(runtime.invoke_endpoint(EndpointName="ep", Body=b"x")["Body"].read()) == {"score": 0.9}
    local.respond("EP", "model_error", body="bad input", status=400)
    code, message = aws_error(runtime.invoke_endpoint, EndpointName="ep", Body=b"x")
    assert code == "ModelError"
    assert message.startswith('Received client error (400) from primary with message "bad input".')
    assert local.responders()["ep"]["mode"] == "model_error"


def test_a_python_model_registered_in_process(local: LocalAws) -> None:
    runtime = _endpoint(local)
    seen: list[Invocation] = []

    def scorer(invocation: Invocation) -> Reply:
        seen.append(invocation)
        if invocation.body == b"boom":
            raise ModelFailure(503, "container crashed")
        rows = invocation.body.decode().splitlines()
        return Reply(json.dumps([len(row.split(",")) for row in rows]).encode(), "application/json", "trace=1")

    local.respond_with("ep", scorer)
    answer = runtime.invoke_endpoint(
        EndpointName="ep", Body=b"1,2\n3,4,5", ContentType="text/csv", Accept="application/json", InferenceId="id-1"
    )
    assert json.loads(answer["Body"].read()) == [2, 3]
    assert answer["CustomAttributes"] == "trace=1"
    assert (seen[0].variant, seen[0].accept, seen[0].inference_id) == ("primary", "application/json", "id-1")
    code, message = aws_error(runtime.invoke_endpoint, EndpointName="ep", Body=b"boom")
    assert code == "ModelError" and "server error (503)" in message
    local.respond_with("ep", lambda invocation: "plain text")
    assert runtime.invoke_endpoint(EndpointName="ep", Body=b"x")["Body"].read() == b"plain text"


def test_a_slow_model_does_not_hold_up_the_rest_of_the_local_aws(local: LocalAws) -> None:
    runtime = _endpoint(local)
    release = threading.Event()
    local.respond_with("ep", lambda invocation: (release.wait(10), b"done")[1])
    answers: list[bytes] = []
    caller = threading.Thread(
        target=lambda: answers.append(runtime.invoke_endpoint(EndpointName="ep", Body=b"")["Body"].read())
    )
    caller.start()
    assert local.client("sagemaker").describe_endpoint(EndpointName="ep")["EndpointStatus"] == "InService"
    release.set()
    caller.join(10)
    assert answers == [b"done"]


def test_variants_by_weight_or_by_target(local: LocalAws) -> None:
    variants = [
        {
            "VariantName": "a",
            "ModelName": "m1",
            "InitialInstanceCount": 1,
            "InstanceType": "ml.m5.large",
            "InitialVariantWeight": 3.0,
        },
        {
            "VariantName": "b",
            "ModelName": "m2",
            "InitialInstanceCount": 1,
            "InstanceType": "ml.m5.large",
            "InitialVariantWeight": 1.0,
        },
    ]
    runtime = _endpoint(local, ProductionVariants=variants)
    served = [runtime.invoke_endpoint(EndpointName="ep", Body=b"")["InvokedProductionVariant"] for _ in range(8)]
    assert sorted(served) == ["a"] * 6 + ["b"] * 2
    assert runtime.invoke_endpoint(EndpointName="ep", Body=b"", TargetVariant="b")["InvokedProductionVariant"] == "b"
    assert aws_error(runtime.invoke_endpoint, EndpointName="ep", Body=b"", TargetVariant="c")[0] == "ValidationError"
    local.client("sagemaker").update_endpoint_weights_and_capacities(
        EndpointName="ep", DesiredWeightsAndCapacities=[{"VariantName": "a", "DesiredWeight": 0.0}]
    )
    local.advance_clock(60)
    assert {runtime.invoke_endpoint(EndpointName="ep", Body=b"")["InvokedProductionVariant"] for _ in range(3)} == {"b"}


def test_an_updating_endpoint_serves_its_current_config(local: LocalAws) -> None:
    runtime = _endpoint(local)
    sm = local.client("sagemaker")
    sm.create_endpoint_config(
        **endpoint_config("next", model_name="m2")
        | {
            "ProductionVariants": [
                {"VariantName": "green", "ModelName": "m2", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}
            ]
        }
    )
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="next")
    assert runtime.invoke_endpoint(EndpointName="ep", Body=b"")["InvokedProductionVariant"] == "primary"
    local.advance_clock(60)
    assert runtime.invoke_endpoint(EndpointName="ep", Body=b"")["InvokedProductionVariant"] == "green"
    sm.delete_endpoint(EndpointName="ep")
    assert aws_error(runtime.invoke_endpoint, EndpointName="ep", Body=b"")[0] == "ValidationError"


def test_invocations_are_counted_and_recorded(local: LocalAws) -> None:
    runtime = _endpoint(local)
    runtime.invoke_endpoint(EndpointName="ep", Body=b"1,2", ContentType="text/csv", CustomAttributes="c=1")
    runtime.invoke_endpoint(EndpointName="ep", Body=bytes([0xFF, 0x00]))
    assert local.calls()["sagemaker-runtime:InvokeEndpoint"] == 2
    first, second = local.requests("sagemaker-runtime:InvokeEndpoint")
    assert first["body"] == {"EndpointName": "ep", "Body": "1,2", "ContentType": "text/csv", "CustomAttributes": "c=1"}
    assert second["body"]["Body"] == "/wA=", "a payload that is not UTF-8 is recorded in base64"


def test_data_capture_writes_to_s3(local: LocalAws) -> None:
    local.client("s3").create_bucket(Bucket="capture", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    runtime = _endpoint(local, DataCaptureConfig=CAPTURE)
    local.respond("ep", "fixed", body='{"score": 1}')
    runtime.invoke_endpoint(EndpointName="ep", Body=b"1,2", ContentType="text/csv", InferenceId="i-1")
    runtime.invoke_endpoint(EndpointName="ep", Body=bytes([0xFF]), ContentType="application/x-npy")
    s3 = local.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="capture", Prefix="datacapture/ep/primary/")["Contents"]]
    assert len(keys) == 2 and all(key.endswith(".jsonl") for key in keys)
    lines = [json.loads(s3.get_object(Bucket="capture", Key=key)["Body"].read()) for key in keys]
    by_encoding = {line["captureData"]["endpointInput"]["encoding"]: line for line in lines}
    csv = by_encoding["CSV"]
    assert csv["captureData"]["endpointInput"] == {
        "observedContentType": "text/csv",
        "mode": "INPUT",
        "data": "1,2",
        "encoding": "CSV",
    }
    assert csv["captureData"]["endpointOutput"]["data"] == '{"score": 1}'
    assert csv["captureData"]["endpointOutput"]["encoding"] == "JSON"
    assert csv["eventMetadata"]["inferenceId"] == "i-1" and csv["eventVersion"] == "0"
    assert by_encoding["BASE64"]["captureData"]["endpointInput"]["data"] == "/w=="
    described = local.client("sagemaker").describe_endpoint(EndpointName="ep")["DataCaptureConfig"]
    assert described == {
        "EnableCapture": True,
        "CaptureStatus": "Started",
        "CurrentSamplingPercentage": 100,
        "DestinationS3Uri": "s3://capture/datacapture",
    }


def test_capture_samples_its_percentage(local: LocalAws) -> None:
    local.client("s3").create_bucket(Bucket="capture", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    runtime = _endpoint(local, DataCaptureConfig=CAPTURE | {"InitialSamplingPercentage": 25})
    for _ in range(8):
        runtime.invoke_endpoint(EndpointName="ep", Body=b"x")
    listed = local.client("s3").list_objects_v2(Bucket="capture")
    assert listed["KeyCount"] == 2


def test_async_invocation_reads_s3_and_writes_the_answer(local: LocalAws) -> None:
    s3 = local.client("s3")
    s3.create_bucket(Bucket="async", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    s3.put_object(Bucket="async", Key="in/payload.json", Body=b'{"x": 1}')
    config = {"OutputConfig": {"S3OutputPath": "s3://async/out", "S3FailurePath": "s3://async/failed"}}
    runtime = _endpoint(local, AsyncInferenceConfig=config)
    answer = runtime.invoke_endpoint_async(
        EndpointName="ep", InputLocation="s3://async/in/payload.json", InferenceId="job-1"
    )
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (answer["InferenceId"], answer["OutputLocation"]) == ("job-1", "s3://async/out/job-1.out")
    assert answer["FailureLocation"] == "s3://async/failed/job-1-error.out"
    assert s3.get_object(Bucket="async", Key="out/job-1.out")["Body"].read() == b'{"x": 1}'
    local.respond("ep", "model_error", body="no", status=500)
    runtime.invoke_endpoint_async(EndpointName="ep", InputLocation="s3://async/in/payload.json", InferenceId="job-2")
    assert b"server error (500)" in s3.get_object(Bucket="async", Key="failed/job-2-error.out")["Body"].read()
    assert aws_error(runtime.invoke_endpoint, EndpointName="ep", Body=b"x")[0] == "ValidationError"
    plain = _endpoint(local, "plain")
    assert aws_error(plain.invoke_endpoint_async, EndpointName="plain", InputLocation="s3://async/in/payload.json")[
        0
    ] == ("ValidationError")
