"""The local AWS: models, endpoint configs and endpoints (create, update, rollback, delete)."""

from __future__ import annotations

from typing import Any

import pytest

from sagestack.testing.local_aws import LocalAws
from tests.aws_errors import aws_error
from tests.sagemaker_requests import endpoint_config, model

DURATIONS = {"creating": 300.0, "updating": 120.0, "rolling_back": 60.0, "deleting": 30.0}


@pytest.fixture
def sm(frozen_aws: LocalAws) -> Any:
    frozen_aws.set_durations({"endpoint": DURATIONS})
    client = frozen_aws.client("sagemaker")
    client.create_model(**model("model-1"))
    client.create_endpoint_config(**endpoint_config("config-1", count=1))
    client.create_endpoint_config(**endpoint_config("config-2", count=3))
    return client


def _status(sm: Any, name: str = "ep") -> tuple[str, str]:
    endpoint = sm.describe_endpoint(EndpointName=name)
    return endpoint["EndpointStatus"], endpoint["EndpointConfigName"]


def test_models_and_configs_exist_once(sm: Any) -> None:
    described = sm.describe_model(ModelName="model-1")
    assert described["PrimaryContainer"]["Image"].endswith("xgboost:1.7-1")
    code, message = aws_error(sm.create_model, **model("model-1"))
    assert code == "ValidationException" and "already existing model" in message
    config = sm.describe_endpoint_config(EndpointConfigName="config-2")
    assert config["ProductionVariants"][0]["InitialInstanceCount"] == 3
    assert aws_error(sm.create_endpoint_config, **endpoint_config("config-3", model_name="nope")) == (
        "ValidationException",
        'Could not find model "arn:aws:sagemaker:us-west-2:123456789012:model/nope".',
    )
    sm.delete_model(ModelName="model-1")
    assert aws_error(sm.describe_model, ModelName="model-1")[0] == "ValidationException"
    sm.delete_endpoint_config(EndpointConfigName="config-1")
    code, message = aws_error(sm.describe_endpoint_config, EndpointConfigName="config-1")
    assert code == "ValidationException" and "Could not find endpoint configuration" in message


def test_endpoint_creates_then_serves(sm: Any, frozen_aws: LocalAws) -> None:
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    assert _status(sm) == ("Creating", "config-1")
    frozen_aws.advance_clock(300)
    assert _status(sm) == ("InService", "config-1")
    variant = sm.describe_endpoint(EndpointName="ep")["ProductionVariants"][0]
    assert (variant["VariantName"], variant["CurrentInstanceCount"], variant["CurrentWeight"]) == ("primary", 1, 1.0)


def test_update_moves_to_the_new_config(sm: Any, frozen_aws: LocalAws) -> None:
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    code, message = aws_error(sm.update_endpoint, EndpointName="ep", EndpointConfigName="config-2")
    assert code == "ValidationException" and "Cannot update in-progress endpoint" in message
    frozen_aws.advance_clock(300)
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="config-2")
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("Updating", "config-1")
    assert described["PendingDeploymentSummary"]["EndpointConfigName"] == "config-2"
    frozen_aws.advance_clock(120)
    assert _status(sm) == ("InService", "config-2")
    assert sm.describe_endpoint(EndpointName="ep")["ProductionVariants"][0]["CurrentInstanceCount"] == 3


def test_rollback_returns_to_the_old_config_with_a_reason(sm: Any, frozen_aws: LocalAws) -> None:
    deployment = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 60},
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "latency-p99"}]},
    }
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    frozen_aws.advance_clock(300)
    frozen_aws.roll_back_next_update("ep", reason="Alarm latency-p99 went into ALARM")
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="config-2", DeploymentConfig=deployment)
    frozen_aws.advance_clock(120)
    rolling = sm.describe_endpoint(EndpointName="ep")
    assert rolling["EndpointStatus"] == "RollingBack"
    frozen_aws.advance_clock(60)
    after = sm.describe_endpoint(EndpointName="ep")
    assert (after["EndpointStatus"], after["EndpointConfigName"]) == ("InService", "config-1")
    assert after["FailureReason"] == "Alarm latency-p99 went into ALARM"
    assert after["LastDeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"] == [{"AlarmName": "latency-p99"}]
    assert after["ProductionVariants"][0]["CurrentInstanceCount"] == 1


def test_failed_create_reports_its_reason(sm: Any, frozen_aws: LocalAws) -> None:
    frozen_aws.fail_resource(
        "endpoint", "The primary container for production variant primary did not pass the ping health check."
    )
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    frozen_aws.advance_clock(300)
    failed = sm.describe_endpoint(EndpointName="ep")
    assert failed["EndpointStatus"] == "Failed"
    assert "ping health check" in failed["FailureReason"]


def test_weights_and_capacities_update_in_place(sm: Any, frozen_aws: LocalAws) -> None:
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    frozen_aws.advance_clock(300)
    sm.update_endpoint_weights_and_capacities(
        EndpointName="ep", DesiredWeightsAndCapacities=[{"VariantName": "primary", "DesiredInstanceCount": 4}]
    )
    assert _status(sm) == ("Updating", "config-1")
    frozen_aws.advance_clock(120)
    assert sm.describe_endpoint(EndpointName="ep")["ProductionVariants"][0]["CurrentInstanceCount"] == 4
    code, _ = aws_error(
        sm.update_endpoint_weights_and_capacities,
        EndpointName="ep",
        DesiredWeightsAndCapacities=[{"VariantName": "ghost", "DesiredWeight": 1.0}],
    )
    assert code == "ValidationException"


def test_delete_passes_through_deleting(sm: Any, frozen_aws: LocalAws) -> None:
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    frozen_aws.advance_clock(300)
    sm.delete_endpoint(EndpointName="ep")
    assert _status(sm)[0] == "Deleting"
    frozen_aws.advance_clock(30)
    code, message = aws_error(sm.describe_endpoint, EndpointName="ep")
    assert code == "ValidationException" and message.startswith('Could not find endpoint "arn:aws:sagemaker:')
    assert sm.list_endpoints()["Endpoints"] == []


def test_endpoint_needs_an_existing_config_and_a_unique_name(sm: Any) -> None:
    code, message = aws_error(sm.create_endpoint, EndpointName="ep", EndpointConfigName="missing")
    assert code == "ValidationException" and "Could not find endpoint configuration" in message
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="config-1")
    code, message = aws_error(sm.create_endpoint, EndpointName="ep", EndpointConfigName="config-1")
    assert code == "ValidationException" and "Cannot create already existing endpoint" in message
