"""Bad TrainingJob inputs are refused by Check, naming the property, before any SageMaker call."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.providers.training_job import TrainingJobProvider
from sagestack.testing.local_aws import LocalAws
from sagestack.testing.provider_host import ProviderHost, urn_for
from tests.test_training_job_provider import job_inputs

Mutation = Callable[[dict[str, Any]], None]
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _request(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return lambda inputs: change(inputs["request"])


def _set(path: str, value: Any) -> Mutation:
    """Set a dotted path inside the request (list indexes as numbers)."""

    def change(request: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = request
        for part in parents:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        node[last] = value

    return _request(change)


def _drop(member: str) -> Mutation:
    return _request(lambda request: request.pop(member))


def _spot(wait: int | None) -> Mutation:
    def change(request: dict[str, Any]) -> None:
        request["EnableManagedSpotTraining"] = True
        if wait is not None:
            request["StoppingCondition"]["MaxWaitTimeInSeconds"] = wait

    return _request(change)


S3_URI = "InputDataConfig.0.DataSource.S3DataSource.S3Uri"
BAD_INPUTS: list[tuple[str, Mutation, str]] = [
    ("prefix with underscore", lambda i: i.update(name_prefix="bad_name"), "name_prefix"),
    ("prefix with leading hyphen", lambda i: i.update(name_prefix="-churn"), "name_prefix"),
    ("prefix too long for the hash", lambda i: i.update(name_prefix="a" * 51), "name_prefix"),
    ("name set in the request", _set("TrainingJobName", "mine"), "request.TrainingJobName"),
    ("image and algorithm", _set("AlgorithmSpecification.AlgorithmName", "xgboost"), "request.AlgorithmSpecification"),
    (
        "neither image nor algorithm",
        _request(lambda r: r["AlgorithmSpecification"].pop("TrainingImage")),
        "request.AlgorithmSpecification",
    ),
    (
        "unknown instance type",
        _set("ResourceConfig.InstanceType", "ml.banana.large"),
        "request.ResourceConfig.InstanceType",
    ),
    ("zero instances", _set("ResourceConfig.InstanceCount", 0), "request.ResourceConfig.InstanceCount"),
    ("negative instances", _set("ResourceConfig.InstanceCount", -2), "request.ResourceConfig.InstanceCount"),
    ("fractional instances", _set("ResourceConfig.InstanceCount", 1.5), "request.ResourceConfig.InstanceCount"),
    ("negative volume", _set("ResourceConfig.VolumeSizeInGB", -1), "request.ResourceConfig.VolumeSizeInGB"),
    (
        "warm pool over 6 hours",
        _set("ResourceConfig.KeepAlivePeriodInSeconds", 30000),
        "request.ResourceConfig.KeepAlivePeriodInSeconds",
    ),
    (
        "runtime over 28 days",
        _set("StoppingCondition.MaxRuntimeInSeconds", 29 * 86400),
        "request.StoppingCondition.MaxRuntimeInSeconds",
    ),
    ("zero runtime", _set("StoppingCondition.MaxRuntimeInSeconds", 0), "request.StoppingCondition.MaxRuntimeInSeconds"),
    ("spot without wait time", _spot(None), "request.StoppingCondition.MaxWaitTimeInSeconds"),
    ("spot wait below runtime", _spot(1800), "request.StoppingCondition.MaxWaitTimeInSeconds"),
    ("101 hyperparameters", _set("HyperParameters", {f"p{n}": "1" for n in range(101)}), "request.HyperParameters"),
    ("257-char hyperparameter value", _set("HyperParameters.long", "x" * 257), "request.HyperParameters.long"),
    ("257-char hyperparameter key", _set("HyperParameters." + "k" * 257, "1"), "request.HyperParameters." + "k" * 257),
    ("numeric hyperparameter", _set("HyperParameters.max_depth", 5), "request.HyperParameters.max_depth"),
    (
        "access key in hyperparameters",
        _set("HyperParameters.key", "AKIAIOSFODNN7EXAMPLE"),
        "request.HyperParameters.key",
    ),
    ("secret key in environment", _set("Environment.TOKEN", SECRET_KEY), "request.Environment.TOKEN"),
    (
        "credential named in environment",
        _set("Environment.AWS_SECRET_ACCESS_KEY", "x"),
        "request.Environment.AWS_SECRET_ACCESS_KEY",
    ),
    ("non-S3 input URI", _set(S3_URI, "http://example.com/data"), f"request.{S3_URI}"),
    ("non-S3 output path", _set("OutputDataConfig.S3OutputPath", "/tmp/out"), "request.OutputDataConfig.S3OutputPath"),
    (
        "bad S3 data type",
        _set("InputDataConfig.0.DataSource.S3DataSource.S3DataType", "Folder"),
        "request.InputDataConfig[0].DataSource.S3DataSource.S3DataType",
    ),
    (
        "channel name with a space",
        _set("InputDataConfig.0.ChannelName", "train data"),
        "request.InputDataConfig[0].ChannelName",
    ),
    (
        "21 channels",
        _request(
            lambda r: r.update(
                InputDataConfig=[copy.deepcopy(r["InputDataConfig"][0]) | {"ChannelName": f"c{n}"} for n in range(21)]
            )
        ),
        "request.InputDataConfig",
    ),
    (
        "bad input mode",
        _set("AlgorithmSpecification.TrainingInputMode", "Stream"),
        "request.AlgorithmSpecification.TrainingInputMode",
    ),
    ("role that is not a role ARN", _set("RoleArn", "arn:aws:iam::123456789012:user/alice"), "request.RoleArn"),
    ("missing role", _drop("RoleArn"), "request.RoleArn"),
    ("missing output config", _drop("OutputDataConfig"), "request.OutputDataConfig"),
    ("misspelt member", _set("HyperParameter", {"a": "1"}), "request.HyperParameter"),
    (
        "six security groups",
        _set("VpcConfig", {"SecurityGroupIds": [f"sg-{n:08x}" for n in range(6)], "Subnets": ["subnet-0a1b2c3d"]}),
        "request.VpcConfig.SecurityGroupIds",
    ),
    ("31 retries", _set("RetryStrategy", {"MaximumRetryAttempts": 31}), "request.RetryStrategy.MaximumRetryAttempts"),
    ("reserved tag key", lambda i: i.update(tags={"aws:owner": "me"}), "tags.aws:owner"),
    ("257-char tag value", lambda i: i.update(tags={"team": "x" * 257}), "tags.team"),
    ("51 tags", lambda i: i.update(tags={f"k{n}": "v" for n in range(51)}), "tags"),
    ("zero wait timeout", lambda i: i.update(wait_timeout_seconds=0), "wait_timeout_seconds"),
    ("unknown input", lambda i: i.update(wait_forever=True), "wait_forever"),
]
# Paths with list indexes read as the service model names them.
BAD_INPUTS = [
    (label, change, path.replace("InputDataConfig.0.", "InputDataConfig[0].")) for label, change, path in BAD_INPUTS
]


@pytest.fixture(scope="module")
def check_host(local_aws_server: LocalAws) -> Iterator[ProviderHost]:
    with ProviderHost(env=local_aws_server.env()) as host:
        host.configure({"aws:region": "us-west-2"})
        yield host


def test_the_good_inputs_pass(check_host: ProviderHost) -> None:
    news = {**job_inputs(), "__provider": serialize_provider(TrainingJobProvider())}
    inputs, failures = check_host.check(urn_for("train"), {}, news)
    assert failures == []
    assert inputs["training_job_name"].startswith("churn-")


@pytest.mark.parametrize(("label", "change", "path"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_refused_with_its_property(
    check_host: ProviderHost, aws: LocalAws, label: str, change: Mutation, path: str
) -> None:
    inputs = job_inputs()
    change(inputs)
    _, failures = check_host.check(
        urn_for("train"), {}, {**inputs, "__provider": serialize_provider(TrainingJobProvider())}
    )
    assert path in [prop for prop, _ in failures], f"{label}: {failures}"
    assert all(reason for _, reason in failures)
    assert not [call for call in aws.calls() if call.startswith("sagemaker:")]


def test_there_are_at_least_thirty_cases() -> None:
    assert len(BAD_INPUTS) >= 30
