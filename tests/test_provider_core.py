"""The provider core's pure parts: service-model validation, naming, credentials, pickling."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.core.naming import content_addressed_name, readable_prefix
from components.core.provider import SageMakerProvider
from components.core.secrets import credential_violations
from components.core.service_model import validate_request
from components.core.unknowns import UNKNOWN
from components.providers import PROVIDERS
from components.providers.training_job import request_rules

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _corpus(operation: str) -> list[Path]:
    return sorted(CORPUS.glob(f"{operation}--*.json")) if CORPUS.exists() else []


@pytest.mark.skipif(not CORPUS.exists(), reason="the shared corpus is not beside this clone")
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
