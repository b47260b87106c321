"""The provider core's pure parts: service-model validation, naming, credentials, pickling."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, cast

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pydantic import Field

from components.core.naming import content_addressed_name, readable_prefix
from components.core.provider import SageMakerProvider, StrictModel
from components.core.secrets import credential_violations
from components.core.service_model import compiled_pattern, sagemaker_model, validate_request
from components.core.tags import tag_violations
from components.core.unknowns import UNKNOWN
from components.providers import PROVIDERS
from components.rules.training_job import request_rules

CORPUS = Path(__file__).with_name("corpus")


def _corpus(operation: str) -> list[Path]:
    return sorted(CORPUS.glob(f"{operation}--*.json"))


@pytest.mark.parametrize("spec", _corpus("CreateTrainingJob"), ids=lambda path: path.stem)
def test_real_world_training_requests_pass_validation(spec: Path) -> None:
    request: dict[str, Any] = json.loads(spec.read_text())["request"]
    normalized, violations = validate_request("CreateTrainingJob", request)
    assert violations == []
    assert normalized == request, "validation must not change a valid request"
    assert request_rules({k: v for k, v in request.items() if k not in ("TrainingJobName", "Tags")}) == []


def test_floats_from_the_wire_become_ints_where_the_api_wants_ints() -> None:
    request = {"ResourceConfig": {"InstanceCount": 2.0, "VolumeSizeInGB": 30.0, "InstanceType": "ml.m5.large"}}
    normalized, _ = validate_request("CreateTrainingJob", request)
    assert normalized["ResourceConfig"] == {"InstanceCount": 2, "VolumeSizeInGB": 30, "InstanceType": "ml.m5.large"}
    assert isinstance(normalized["ResourceConfig"]["InstanceCount"], int)


def test_unknown_values_are_skipped_not_refused() -> None:
    request = {"TrainingJobName": "x", "RoleArn": UNKNOWN, "OutputDataConfig": {"S3OutputPath": UNKNOWN}}
    assert validate_request("CreateTrainingJob", request)[1] == []


def test_names_are_content_addressed_and_valid() -> None:
    first = content_addressed_name("churn", {"request": {"a": 1}, "retrain_token": ""})
    assert first == content_addressed_name("churn", {"request": {"a": 1.0}, "retrain_token": ""})
    assert first != content_addressed_name("churn", {"request": {"a": 2}, "retrain_token": ""})
    assert first != content_addressed_name("churn", {"request": {"a": 1}, "retrain_token": "again"})
    assert len(content_addressed_name("x" * 80, {})) <= 63
    assert readable_prefix("my_stack/Churn Model!") == "my-stack-Churn-Model"


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        ({"commit": "3f786850e387550fdab836ed7e6dc881de23001b"}, []),
        ({"key": "AKIAIOSFODNN7EXAMPLE"}, ["env.key"]),
        ({"secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}, ["env.secret"]),
        ({"AWS_SESSION_TOKEN": "anything"}, ["env.AWS_SESSION_TOKEN"]),
        ({"learning_rate": "0.1", "objective": "binary:logistic"}, []),
        ({"args": "--epochs 3 --aws-secret-access-key=abc"}, ["env.args"]),
        ({"config": "region=us-west-2\naws_session_token=xyz"}, ["env.config"]),
        ({"token": "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD" + "A" * 120}, ["env.token"]),
        ({"aws_region": "us-west-2", "notes": "rotate the aws access keys monthly"}, []),
    ],
)
def test_credentials_are_recognised(values: dict[str, str], flagged: list[str]) -> None:
    assert [v.path for v in credential_violations(values, "env")] == flagged


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.__name__ for p in PROVIDERS])
def test_every_provider_is_pickled_by_reference(provider: type[SageMakerProvider]) -> None:
    """Small in every resource's state: the class by name, no clients, no code."""
    serialized = serialize_provider(provider())
    assert len(serialized) < 1024
    assert b"botocore" not in base64.b64decode(serialized)


class _Inputs(StrictModel):
    request: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    wait_timeout_seconds: int = 60


class _Provider(SageMakerProvider):
    """replace_on / update_on as a provider declares them: the request replaces, but its
    Description member and the tags change in place; anything else only updates the state."""

    kind = "Thing"
    inputs_model = _Inputs
    replace_on = ("request",)
    update_on = ("request.Description", "tags")

    def live(self, name: str) -> dict[str, Any] | None:
        raise AssertionError("a state-only change must not call AWS")


OLD = {"request": {"RoleArn": "arn:aws:iam::1:role/a", "Description": "one"}, "tags": {}, "wait_timeout_seconds": 60}


@pytest.mark.parametrize(
    ("change", "replaces", "rules"),
    [
        ({"request": {**OLD["request"], "RoleArn": "arn:aws:iam::1:role/b"}}, ["request"], ["replace"]),
        ({"request": {**OLD["request"], "Description": "two"}}, [], ["update"]),
        ({"tags": {"team": "ml"}}, [], ["update"]),
        ({"wait_timeout_seconds": 120}, [], ["state"]),
    ],
)
def test_the_most_specific_entry_decides_how_a_change_is_made(
    change: dict[str, Any], replaces: list[str], rules: list[str]
) -> None:
    provider, news = _Provider(), {**OLD, **change}
    assert [provider.rule_for(path) for path in provider.changed_paths(OLD, news)] == rules
    diff = provider.diff("id", OLD, news)
    assert (diff.changes, diff.replaces) == (True, replaces)


def test_a_member_path_entry_is_what_keeps_the_change_in_place() -> None:
    """Negative control: without `request.Description` in update_on the same change replaces."""

    class WithoutMemberEntry(_Provider):
        update_on = ("tags",)

    provider = WithoutMemberEntry()
    news = {**OLD, "request": {**OLD["request"], "Description": "two"}}
    assert provider.diff("id", OLD, news).replaces == ["request"]


def test_a_state_only_change_is_updated_without_calling_aws() -> None:
    result = _Provider().update("id", OLD, {**OLD, "wait_timeout_seconds": 120})
    assert result.outs is not None and result.outs["wait_timeout_seconds"] == 120


def _patterns() -> set[str]:
    model = sagemaker_model()
    return {
        model.shape_for(name).metadata["pattern"]
        for name in cast(list[str], model.shape_names)
        if "pattern" in model.shape_for(name).metadata
    }


def test_every_pattern_of_the_service_model_is_enforced() -> None:
    """None is skipped: the Java-only Unicode classes and surrogate ranges compile too."""
    patterns = _patterns()
    assert len(patterns) > 250
    assert all(compiled_pattern(pattern) for pattern in patterns)


@pytest.mark.parametrize(
    ("key", "value", "refused"),
    [
        ("cost-center", "équipe données", False),
        ("cost#center", "ml", True),
        ("team", "ml 🚀", True),
        ("team", "a" * 256, False),
    ],
)
def test_tags_are_checked_against_their_unicode_patterns(key: str, value: str, refused: bool) -> None:
    assert bool(tag_violations({key: value})) is refused


def test_check_never_shows_a_value_of_a_free_form_map() -> None:
    """Environments, hyperparameters and metadata are where secrets go, and Check's messages are
    printed in the clear: a refused value there is named by its path, never shown."""
    from components.providers.model_package import ModelPackageProvider  # noqa: PLC0415
    from tests.test_model_package_provider import package_inputs  # noqa: PLC0415

    secret = "hunter2#not-allowed"
    result = ModelPackageProvider().check({}, package_inputs(customer_metadata={"token": secret}))
    messages = [f"{failure.property}: {failure.reason}" for failure in result.failures]
    assert [message.split(":")[0] for message in messages] == ["customer_metadata.token"]
    assert not any(secret in message for message in messages)
    _, shown = validate_request("CreateTrainingJob", {"AlgorithmSpecification": {"TrainingInputMode": "Streaming"}})
    assert any("'Streaming'" in violation.reason for violation in shown)  # values outside maps still help
