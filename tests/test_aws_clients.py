"""The providers' boto3 clients: retry defaults, and the standard AWS settings winning over them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from components.core.aws import AwsClients
from components.providers.training_job import TrainingJobProvider
from sagestack.testing.local_aws import DEFAULT_REGION, LocalAws
from sagestack.testing.provider_host import Deployment, ProviderError, ProviderHost
from tests.aws_errors import aws_error
from tests.test_training_job_provider import job_inputs


@pytest.fixture
def local_env(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> LocalAws:
    for key, value in aws.env().items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS", "AWS_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(key, raising=False)
    return aws


def test_by_default_adaptive_retries_with_room_for_a_burst_of_ten(local_env: LocalAws) -> None:
    sagemaker = AwsClients(DEFAULT_REGION).client("sagemaker")
    # 11 attempts: the fault matrix proves a burst of 10 throttles is survived with them.
    assert sagemaker.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 11}
    local_env.fail_calls("sagemaker:ListEndpoints", count=1)
    assert sagemaker.list_endpoints()["ResponseMetadata"]["RetryAttempts"] == 1


def test_aws_max_attempts_from_the_environment_wins(local_env: LocalAws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    sagemaker = AwsClients(DEFAULT_REGION).client("sagemaker")
    assert sagemaker.meta.config.retries["mode"] == "standard"
    local_env.fail_calls("sagemaker:ListEndpoints", count=1)
    assert aws_error(sagemaker.list_endpoints)[0] == "ThrottlingException"


def test_the_profile_retry_settings_win(local_env: LocalAws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[default]\nretry_mode = standard\nmax_attempts = 2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    sagemaker = AwsClients(DEFAULT_REGION).client("sagemaker")
    assert sagemaker.meta.config.retries == {"mode": "standard", "total_max_attempts": 2}


def test_missing_credentials_are_one_clear_error_without_botocore_internals() -> None:
    """Before, the engine printed 69 lines: two tracebacks through botocore's credential chain."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        {
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        }
    )
    with ProviderHost(env=env) as host:
        host.configure({"aws:region": "us-west-2"})
        with pytest.raises(ProviderError) as raised:
            Deployment(host).up("job", TrainingJobProvider(), job_inputs())
    details = raised.value.details
    assert "DescribeTrainingJob failed with NoCredentialsError: Unable to locate credentials" in details
    assert "set AWS_PROFILE" in details
    assert "botocore" not in details and "During handling" not in details and "direct cause" not in details
    assert len(details.splitlines()) <= 12
