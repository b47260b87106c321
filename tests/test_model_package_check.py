"""Bad ModelPackage inputs are refused by Check, naming the property, before any SageMaker call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.providers.model_package import ModelPackageProvider
from sagestack.testing.local_aws import LocalAws
from sagestack.testing.provider_host import ProviderHost, urn_for
from tests.test_model_package_provider import package_inputs

Mutation = Callable[[dict[str, Any]], None]
CONTAINER = "request.InferenceSpecification.Containers[0]"
SPEC = {"Name": "gpu", "Containers": [{"Image": "123456789012.dkr.ecr.us-west-2.amazonaws.com/x:1"}]}


def _container(**changes: Any) -> Mutation:
    return lambda inputs: inputs["request"]["InferenceSpecification"]["Containers"][0].update(changes)


def _inference(**changes: Any) -> Mutation:
    return lambda inputs: inputs["request"]["InferenceSpecification"].update(changes)


def _request(**changes: Any) -> Mutation:
    return lambda inputs: inputs["request"].update(changes)


def _inputs(**changes: Any) -> Mutation:
    return lambda inputs: inputs.update(changes)


BAD_INPUTS: list[tuple[str, Mutation, str]] = [
    ("bad approval status", _inputs(approval_status="Approve"), "approval_status"),
    (
        "16 additional specifications",
        _inputs(additional_inference_specifications=[{**SPEC, "Name": f"s{n}"} for n in range(16)]),
        "additional_inference_specifications",
    ),
    ("non-S3 model data URL", _container(ModelDataUrl="ftp://models/model.tar.gz"), f"{CONTAINER}.ModelDataUrl"),
    (
        "17 environment entries",
        _container(Environment={f"VAR_{n}": "1" for n in range(17)}),
        f"{CONTAINER}.Environment",
    ),
    ("1025-char environment value", _container(Environment={"BIG": "x" * 1025}), f"{CONTAINER}.Environment.BIG"),
    ("bad environment name", _container(Environment={"1BAD": "x"}), f"{CONTAINER}.Environment.1BAD"),
    (
        "credential in environment",
        _container(Environment={"KEY": "AKIAIOSFODNN7EXAMPLE"}),
        f"{CONTAINER}.Environment.KEY",
    ),
    ("package tags inside a group", _inputs(tags={"team": "ml"}), "tags"),
    ("group and name", _request(ModelPackageName="churn-model"), "request.ModelPackageGroupName"),
    ("bad group name", _request(ModelPackageGroupName="churn_models"), "request.ModelPackageGroupName"),
    (
        "unknown realtime instance type",
        _inference(SupportedRealtimeInferenceInstanceTypes=["ml.banana.large"]),
        "request.InferenceSpecification.SupportedRealtimeInferenceInstanceTypes[0]",
    ),
    (
        "unknown transform instance type",
        _inference(SupportedTransformInstanceTypes=["ml.m5.huge"]),
        "request.InferenceSpecification.SupportedTransformInstanceTypes[0]",
    ),
    ("16 containers", _inference(Containers=[{"Image": "x"}] * 16), "request.InferenceSpecification.Containers"),
    ("256-char image", _container(Image="i" * 256), f"{CONTAINER}.Image"),
    ("1025-char description", _request(ModelPackageDescription="d" * 1025), "request.ModelPackageDescription"),
    ("1025-char approval description", _inputs(approval_description="a" * 1025), "approval_description"),
    ("non-S3 sample payload", _request(SamplePayloadUrl="file:///tmp/payload.csv"), "request.SamplePayloadUrl"),
    (
        "non-S3 metrics report",
        _request(
            ModelMetrics={
                "ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": "/tmp/stats.json"}}
            }
        ),
        "request.ModelMetrics.ModelQuality.Statistics.S3Uri",
    ),
    (
        "metrics report without content type",
        _request(ModelMetrics={"ModelQuality": {"Statistics": {"S3Uri": "s3://b/stats.json"}}}),
        "request.ModelMetrics.ModelQuality.Statistics.ContentType",
    ),
    ("bad skip-validation value", _request(SkipModelValidation="Some"), "request.SkipModelValidation"),
    ("approval set in the request", _request(ModelApprovalStatus="Approved"), "request.ModelApprovalStatus"),
    ("client token set by hand", _request(ClientToken="mine"), "request.ClientToken"),
    ("misspelt member", _request(InferenceSpecifications={}), "request.InferenceSpecifications"),
    ("empty customer metadata value", _inputs(customer_metadata={"team": ""}), "customer_metadata.team"),
]


@pytest.fixture(scope="module")
def check_host(local_aws_server: LocalAws) -> Iterator[ProviderHost]:
    with ProviderHost(env=local_aws_server.env()) as host:
        host.configure({"aws:region": "us-west-2"})
        yield host


def _check(host: ProviderHost, inputs: dict[str, Any], olds: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    news = {**inputs, "__provider": serialize_provider(ModelPackageProvider())}
    return host.check(urn_for("pkg"), olds or {}, news)[1]


def test_the_good_inputs_pass(check_host: ProviderHost) -> None:
    assert _check(check_host, package_inputs(approval_description="ok")) == []


@pytest.mark.parametrize(("label", "change", "path"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_refused_with_its_property(
    check_host: ProviderHost, aws: LocalAws, label: str, change: Mutation, path: str
) -> None:
    inputs = package_inputs()
    change(inputs)
    failures = _check(check_host, inputs)
    assert path in [prop for prop, _ in failures], f"{label}: {failures}"
    assert not [call for call in aws.calls() if call.startswith("sagemaker:")]


def test_removing_an_additional_specification_is_a_clear_error(check_host: ProviderHost) -> None:
    olds = package_inputs(additional_inference_specifications=[SPEC, {**SPEC, "Name": "cpu"}])
    news = package_inputs(additional_inference_specifications=[SPEC])
    [(prop, reason)] = _check(check_host, news, olds)
    assert prop == "additional_inference_specifications"
    assert "only append" in reason and "cpu" in reason
    assert (
        _check(
            check_host,
            package_inputs(
                additional_inference_specifications=[SPEC, {**SPEC, "Name": "cpu"}, {**SPEC, "Name": "inf"}]
            ),
            olds,
        )
        == []
    )


def test_there_are_at_least_fifteen_cases() -> None:
    assert len(BAD_INPUTS) >= 15
