"""The Endpoint dynamic provider: safe deployments that never hide a rollback.

- Create: CreateEndpoint (with the deployment guardrails), wait for InService. An endpoint that
  ends Failed is deleted before the error is raised, so nothing is orphaned.
- Update, when the endpoint config changes: wait out Creating / Updating / SystemUpdating,
  UpdateEndpoint with the deployment config, wait, then check that the *live* config is the new
  one. SageMaker reports a rolled-back deployment as InService on the old config; we fail the
  update with its FailureReason instead, and tag the endpoint with the config that failed, so a
  later `up` with the same config refuses to loop on it unless `retry_failed_config` is set.
- Read: status, live config, variant weights and counts, deployed image digests.
- Delete: wait out Creating / Updating (SageMaker refuses to delete then), DeleteEndpoint (also
  for a Failed endpoint) and wait until it is gone.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
import pulumi.dynamic
from pydantic import Field

from components.core.errors import SageMakerOperationError, calling
from components.core.provider import Lifecycle, SageMakerProvider, StrictModel
from components.core.resource import SageMakerResource
from components.core.service_model import Violation, shape_named, validate
from components.core.tags import INTERNAL_TAG_PREFIX, sync_tags, tag_list, tag_violations
from components.core.unknowns import contains_unknown
from components.core.waiter import WaitFailed, WaitSpec, WaitTimedOut

KIND = "Endpoint"
FAILED_CONFIG_TAG = f"{INTERNAL_TAG_PREFIX}failed-endpoint-config"
"""Set on the endpoint when a config failed to deploy: the memory that outlives the failed update."""
MAX_CANARY_PERCENT = 50
LINEAR_STEP_PERCENT = (10, 50)

SETTLED = WaitSpec(
    operation="DescribeEndpoint",
    status_field="EndpointStatus",
    success=frozenset({"InService"}),
    failure=frozenset({"Failed", "UpdateRollbackFailed", "OutOfService"}),
)
GONE = WaitSpec(operation="DescribeEndpoint", status_field="EndpointStatus", success=frozenset(), gone_is_success=True)
IN_FLIGHT = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack"})
"""Statuses in which SageMaker refuses DeleteEndpoint: delete waits them out."""
DELETABLE = WaitSpec(
    operation="DescribeEndpoint",
    status_field="EndpointStatus",
    success=frozenset({"InService", "Failed", "OutOfService", "UpdateRollbackFailed", "Deleting"}),
    gone_is_success=True,
)


def _percent_rule(size: Any, path: str, low: int, high: int) -> list[Violation]:
    if not isinstance(size, dict) or contains_unknown(size) or size.get("Type") != "CAPACITY_PERCENT":
        return []
    value = size.get("Value")
    if isinstance(value, int | float) and not low <= value <= high:
        return [Violation(path, f"must be {low}-{high} % of capacity (got {value} %)")]
    return []


def deployment_violations(config: dict[str, Any] | None, path: str = "deployment_config") -> list[Violation]:
    """DeploymentConfig against the service model and the traffic-shifting rules."""
    if not config:
        return []
    return validate(config, shape_named("DeploymentConfig"), path)[1] + deployment_rules(config, path)


def deployment_rules(config: dict[str, Any] | None, path: str = "deployment_config") -> list[Violation]:
    """What the service model does not say: one policy, and canary / linear sizes in range."""
    if not config:
        return []
    violations: list[Violation] = []
    blue_green, rolling = config.get("BlueGreenUpdatePolicy"), config.get("RollingUpdatePolicy")
    if blue_green and rolling:
        violations.append(Violation(path, "choose BlueGreenUpdatePolicy or RollingUpdatePolicy, not both"))
    routing = (blue_green or {}).get("TrafficRoutingConfiguration") if isinstance(blue_green, dict) else None
    if isinstance(routing, dict):
        where = f"{path}.BlueGreenUpdatePolicy.TrafficRoutingConfiguration"
        kind = routing.get("Type")
        if kind == "CANARY" and "CanarySize" not in routing:
            violations.append(Violation(f"{where}.CanarySize", "a CANARY deployment needs a canary size"))
        if kind == "LINEAR" and "LinearStepSize" not in routing:
            violations.append(Violation(f"{where}.LinearStepSize", "a LINEAR deployment needs a step size"))
        violations += _percent_rule(routing.get("CanarySize"), f"{where}.CanarySize", 1, MAX_CANARY_PERCENT)
        violations += _percent_rule(routing.get("LinearStepSize"), f"{where}.LinearStepSize", *LINEAR_STEP_PERCENT)
    return violations


class EndpointInputs(StrictModel):
    """What the Endpoint provider takes."""

    endpoint_name: str = ""
    endpoint_config_name: str = ""
    deployment_config: dict[str, Any] | None = None
    retain_all_variant_properties: bool = False
    retry_failed_config: bool = False
    tags: dict[str, str] = Field(default_factory=dict)
    create_timeout_seconds: int = Field(default=3600, ge=60)
    update_timeout_seconds: int = Field(default=3600, ge=60)


def endpoint_outputs(endpoint: dict[str, Any]) -> dict[str, Any]:
    """Outputs (and the live config) from a DescribeEndpoint response."""
    return {
        "endpoint_arn": endpoint["EndpointArn"],
        "endpoint_config_name": endpoint["EndpointConfigName"],
        "status": endpoint["EndpointStatus"],
        "failure_reason": endpoint.get("FailureReason"),
        "variants": [
            {
                "variant_name": variant["VariantName"],
                "current_weight": variant.get("CurrentWeight"),
                "current_instance_count": variant.get("CurrentInstanceCount"),
                "deployed_images": [image.get("ResolvedImage") for image in variant.get("DeployedImages", [])],
            }
            for variant in endpoint.get("ProductionVariants", [])
        ],
    }


class EndpointProvider(SageMakerProvider):
    """Creates, updates with guardrails, refreshes and deletes SageMaker endpoints."""

    kind = KIND
    inputs_model = EndpointInputs
    shaped_inputs: ClassVar[dict[str, str]] = {"deployment_config": "DeploymentConfig"}
    lifecycle = Lifecycle(
        describe="DescribeEndpoint",
        key="EndpointName",
        not_found=("ValidationException", "Could not find endpoint"),
        busy=("ValidationException", "Cannot update in-progress endpoint"),
    )
    arn_output = "endpoint_arn"
    replace_on = ("endpoint_name",)
    update_on = ("endpoint_config_name", "tags")

    def rules(self, inputs: dict[str, Any]) -> list[Violation]:
        violations = deployment_rules(inputs.get("deployment_config")) + tag_violations(inputs.get("tags") or {})
        for field in ("endpoint_name", "endpoint_config_name"):
            violations += [
                Violation(field, v.reason) for v in validate(inputs[field], shape_named("EndpointName"), field)[1]
            ]
            if not inputs[field]:
                violations.append(Violation(field, "is required"))
        if FAILED_CONFIG_TAG in (inputs.get("tags") or {}):
            violations.append(Violation(f"tags.{FAILED_CONFIG_TAG}", "is managed by the provider"))
        return violations

    def _settle(self, name: str, timeout: float) -> dict[str, Any]:
        """Wait until the endpoint is InService; raises on Failed / UpdateRollbackFailed."""
        try:
            endpoint = self.settle(name, SETTLED, timeout)
        except WaitTimedOut as timed_out:
            status = (timed_out.state or {}).get("EndpointStatus")
            raise SageMakerOperationError(KIND, name, "wait for InService", f"still {status}") from None
        assert endpoint is not None
        return endpoint

    def create_resource(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name = inputs["endpoint_name"]
        if self.live(name) is None:
            request: dict[str, Any] = {
                "EndpointName": name,
                "EndpointConfigName": inputs["endpoint_config_name"],
                "Tags": tag_list(inputs.get("tags") or {}),
            }
            if inputs.get("deployment_config"):
                request["DeploymentConfig"] = inputs["deployment_config"]
            try:
                with calling(KIND, name, "CreateEndpoint"):
                    self.sagemaker.create_endpoint(**request)
            except SageMakerOperationError as error:
                # A retry of a call whose response was lost finds the endpoint that call created.
                if error.code != "ValidationException" or "already existing" not in str(error):
                    raise
        try:
            endpoint = self._settle(name, inputs["create_timeout_seconds"])
        except WaitFailed as failed:
            reason = failed.state.get("FailureReason")
            self.delete_resource(name, inputs)
            raise SageMakerOperationError(
                KIND,
                name,
                "CreateEndpoint",
                f"the endpoint ended {failed.state.get('EndpointStatus')} and was deleted",
                failure_reason=reason,
            ) from None
        return name, endpoint_outputs(endpoint)

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        endpoint = self.live(id_)
        return endpoint_outputs(endpoint) if endpoint is not None else None

    def _failed_config(self, arn: str) -> str | None:
        with calling(KIND, arn, "ListTags"):
            tags = self.sagemaker.list_tags(ResourceArn=arn)["Tags"]
        return next((tag["Value"] for tag in tags if tag["Key"] == FAILED_CONFIG_TAG), None)

    def update_resource(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        try:
            endpoint = self._settle(id_, news["update_timeout_seconds"])
        except WaitFailed as failed:
            raise SageMakerOperationError(
                KIND,
                id_,
                "UpdateEndpoint",
                f"the endpoint is {failed.state.get('EndpointStatus')}; only delete is possible (replace it)",
                failure_reason=failed.state.get("FailureReason"),
            ) from None
        arn, target = endpoint["EndpointArn"], news["endpoint_config_name"]
        if endpoint["EndpointConfigName"] != target:
            endpoint = self._deploy(id_, arn, target, news)
        sync_tags(self.sagemaker, KIND, id_, arn, old=olds.get("tags") or {}, new=news.get("tags") or {})
        return endpoint_outputs(endpoint)

    def _deploy(self, name: str, arn: str, target: str, news: dict[str, Any]) -> dict[str, Any]:
        """Move the endpoint to `target` and prove it got there.

        Refused when `target` already failed to deploy here (unless `retry_failed_config`): a
        failed blue/green deployment must not loop on every `up`.
        """
        failed_before = self._failed_config(arn)
        if failed_before == target and not news.get("retry_failed_config"):
            raise SageMakerOperationError(
                KIND,
                name,
                "UpdateEndpoint",
                f"endpoint config {target} already failed to deploy to this endpoint and was rolled back",
                hint="Fix the model or config (a new config gets a new name), or set retry_failed_config=True to try "
                "this one again.",
            )
        request: dict[str, Any] = {"EndpointName": name, "EndpointConfigName": target}
        if news.get("deployment_config"):
            request["DeploymentConfig"] = news["deployment_config"]
        if news.get("retain_all_variant_properties"):
            request["RetainAllVariantProperties"] = True
        try:
            self.change(
                name,
                "UpdateEndpoint",
                lambda: self.sagemaker.update_endpoint(**request),
                applied=lambda live: live["EndpointConfigName"] == target,
                settle=lambda: self._settle(name, news["update_timeout_seconds"]),
            )
            endpoint = self._settle(name, news["update_timeout_seconds"])
        except WaitFailed as failed:
            raise SageMakerOperationError(
                KIND,
                name,
                "UpdateEndpoint",
                f"the update ended {failed.state.get('EndpointStatus')}",
                failure_reason=failed.state.get("FailureReason"),
            ) from None
        if endpoint["EndpointConfigName"] != target:
            with calling(KIND, name, "AddTags"):
                self.sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": FAILED_CONFIG_TAG, "Value": target}])
            raise SageMakerOperationError(
                KIND,
                name,
                "UpdateEndpoint",
                f"SageMaker rolled the deployment back: the endpoint is InService on {endpoint['EndpointConfigName']}, "
                f"not on {target}",
                failure_reason=endpoint.get("FailureReason"),
                hint="The endpoint still serves the previous config. This config will not be retried by itself.",
            )
        if failed_before is not None:
            with calling(KIND, name, "DeleteTags"):
                self.sagemaker.delete_tags(ResourceArn=arn, TagKeys=[FAILED_CONFIG_TAG])
        return endpoint

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        endpoint = self.live(id_)
        if endpoint is not None and endpoint["EndpointStatus"] in IN_FLIGHT:
            endpoint = self.settle(id_, DELETABLE, 3600)
        if endpoint is None:
            return
        if endpoint["EndpointStatus"] != "Deleting":
            with calling(KIND, id_, "DeleteEndpoint"):
                self.sagemaker.delete_endpoint(EndpointName=id_)
        self.settle(id_, GONE, 3600)


OUTPUTS = ("endpoint_arn", "status", "failure_reason", "variants")


class EndpointResource(SageMakerResource, module="sagemaker", name="Endpoint"):
    """The dynamic resource (`pulumi-python:dynamic/sagemaker:Endpoint`); use `components.ModelEndpoint`."""

    provider_class = EndpointProvider
    output_names = OUTPUTS

    endpoint_name: pulumi.Output[str]
    endpoint_arn: pulumi.Output[str]
    endpoint_config_name: pulumi.Output[str]
    status: pulumi.Output[str]
    failure_reason: pulumi.Output[str | None]
    variants: pulumi.Output[list[dict[str, Any]]]
