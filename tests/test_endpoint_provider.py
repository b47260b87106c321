"""The Endpoint provider through Pulumi's own provider host, against the local AWS."""

from __future__ import annotations

from typing import Any

import pytest

from components.providers.endpoint import FAILED_CONFIG_TAG, EndpointProvider
from sagestack.testing.local_aws import LocalAws
from sagestack.testing.provider_host import Deployment, ProviderError
from tests.sagemaker_requests import IMAGE, endpoint_config, model

QUICK = {"creating": 0.3, "updating": 0.3, "rolling_back": 0.2, "deleting": 0.2}
CANARY = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {
            "Type": "CANARY",
            "WaitIntervalInSeconds": 300,
            "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
        }
    },
    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-5xx"}]},
}


def endpoint_inputs(config: str = "config-1", **overrides: Any) -> dict[str, Any]:
    return {"endpoint_name": "churn", "endpoint_config_name": config, "deployment_config": CANARY, **overrides}


@pytest.fixture
def hosting_aws(aws: LocalAws) -> LocalAws:
    aws.set_durations({"endpoint": QUICK})
    sm = aws.client("sagemaker")
    sm.create_model(**model("model-1"))
    sm.create_endpoint_config(**endpoint_config("config-1", count=1))
    sm.create_endpoint_config(**endpoint_config("config-2", count=2))
    return aws


def test_create_then_update_to_a_new_config(deployment: Deployment, hosting_aws: LocalAws) -> None:
    created = deployment.up("ep", EndpointProvider(), endpoint_inputs())
    assert created.state.outputs["status"] == "InService"
    [variant] = created.state.outputs["variants"]
    [image] = variant.pop("deployed_images")  # the image resolved to a digest, as SageMaker reports it
    assert variant == {"variant_name": "primary", "current_weight": 1.0, "current_instance_count": 1}
    assert image.startswith(f"{IMAGE.rsplit(':', 1)[0]}@sha256:")
    hosting_aws.clear_calls()
    updated = deployment.up("ep", EndpointProvider(), endpoint_inputs("config-2"))
    assert updated.operation == "update"
    assert updated.state.outputs["endpoint_config_name"] == "config-2"
    assert updated.state.outputs["variants"][0]["current_instance_count"] == 2
    calls = hosting_aws.calls()
    assert calls["sagemaker:UpdateEndpoint"] == 1 and "sagemaker:CreateEndpoint" not in calls
    live = hosting_aws.client("sagemaker").describe_endpoint(EndpointName="churn")
    assert live["LastDeploymentConfig"]["AutoRollbackConfiguration"] == CANARY["AutoRollbackConfiguration"]


def test_a_rollback_fails_the_update_and_is_not_retried(deployment: Deployment, hosting_aws: LocalAws) -> None:
    deployment.up("ep", EndpointProvider(), endpoint_inputs())
    hosting_aws.roll_back_next_update("churn", reason="Alarm churn-5xx went into ALARM")
    with pytest.raises(ProviderError) as failed:
        deployment.up("ep", EndpointProvider(), endpoint_inputs("config-2"))
    assert "rolled the deployment back" in failed.value.details
    assert "FailureReason: Alarm churn-5xx went into ALARM" in failed.value.details
    assert deployment.resources["ep"].outputs["endpoint_config_name"] == "config-1", "state shows the live config"
    refreshed = deployment.refresh("ep")
    assert refreshed is not None and refreshed.outputs["endpoint_config_name"] == "config-1"

    hosting_aws.clear_calls()
    with pytest.raises(ProviderError, match="already failed to deploy"):
        deployment.up("ep", EndpointProvider(), endpoint_inputs("config-2"))
    assert "sagemaker:UpdateEndpoint" not in hosting_aws.calls()

    retried = deployment.up("ep", EndpointProvider(), endpoint_inputs("config-2", retry_failed_config=True))
    assert retried.state.outputs["endpoint_config_name"] == "config-2"
    tags = hosting_aws.client("sagemaker").list_tags(ResourceArn=retried.state.outputs["endpoint_arn"])["Tags"]
    assert FAILED_CONFIG_TAG not in [tag["Key"] for tag in tags], "a successful deployment clears the memory"


def test_an_update_during_updating_waits_instead_of_failing(deployment: Deployment, hosting_aws: LocalAws) -> None:
    deployment.up("ep", EndpointProvider(), endpoint_inputs())
    hosting_aws.set_durations({"endpoint": {**QUICK, "updating": 3.0}})
    sm = hosting_aws.client("sagemaker")
    sm.update_endpoint_weights_and_capacities(
        EndpointName="churn", DesiredWeightsAndCapacities=[{"VariantName": "primary", "DesiredInstanceCount": 3}]
    )
    step = deployment.up("ep", EndpointProvider(), endpoint_inputs("config-2"))
    assert step.state.outputs["endpoint_config_name"] == "config-2"


def test_a_failed_create_leaves_no_endpoint(deployment: Deployment, hosting_aws: LocalAws) -> None:
    hosting_aws.fail_resource("endpoint", "The primary container did not pass the ping health check")
    with pytest.raises(ProviderError) as failed:
        deployment.up("ep", EndpointProvider(), endpoint_inputs())
    assert "was deleted" in failed.value.details and "ping health check" in failed.value.details
    assert hosting_aws.client("sagemaker").list_endpoints()["Endpoints"] == []


def test_delete_waits_until_gone(deployment: Deployment, hosting_aws: LocalAws) -> None:
    deployment.up("ep", EndpointProvider(), endpoint_inputs())
    deployment.destroy("ep")
    assert hosting_aws.client("sagemaker").list_endpoints()["Endpoints"] == []
    assert hosting_aws.calls()["sagemaker:DeleteEndpoint"] == 1


def test_throttled_describes_are_survived(deployment: Deployment, hosting_aws: LocalAws) -> None:
    hosting_aws.fail_calls("sagemaker:DescribeEndpoint", count=4)
    assert deployment.up("ep", EndpointProvider(), endpoint_inputs()).state.outputs["status"] == "InService"


def test_refresh_shows_weights_changed_outside(deployment: Deployment, hosting_aws: LocalAws) -> None:
    deployment.up("ep", EndpointProvider(), endpoint_inputs())
    hosting_aws.client("sagemaker").update_endpoint_weights_and_capacities(
        EndpointName="churn", DesiredWeightsAndCapacities=[{"VariantName": "primary", "DesiredInstanceCount": 5}]
    )
    hosting_aws.advance_clock(5)
    refreshed = deployment.refresh("ep")
    assert refreshed is not None and refreshed.outputs["variants"][0]["current_instance_count"] == 5


def test_bad_deployment_configs_are_refused_at_check(deployment: Deployment, hosting_aws: LocalAws) -> None:
    hosting_aws.clear_calls()
    canary = {"Type": "CANARY", "WaitIntervalInSeconds": 60, "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 60}}
    with pytest.raises(Exception, match="CanarySize") as failed:
        deployment.up(
            "ep",
            EndpointProvider(),
            endpoint_inputs(deployment_config={"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": canary}}),
        )
    assert "50 %" in str(failed.value)
    assert not [call for call in hosting_aws.calls() if call.startswith("sagemaker:")]
