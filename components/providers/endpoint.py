"""The Endpoint dynamic provider: safe deployments that never hide a rollback.

- Create: CreateEndpoint (with the deployment guardrails), wait for InService. An endpoint that
  ends Failed is deleted before the error is raised, so nothing is orphaned.
- Update, when the endpoint config changes: wait out Creating / Updating / SystemUpdating,
  UpdateEndpoint with the deployment config, wait, then check that the *live* config is the new
  one. SageMaker reports a rolled-back deployment as InService on the old config; we fail the
  update with its FailureReason instead, and tag the endpoint with the config that failed, so a
  later `up` with the same config refuses to loop on it unless `retry_failed_config` is set.
- Read: status, live config, variant weights and counts, deployed image digests.
- Delete: the core's (wait out Creating / Updating, which SageMaker refuses to delete, then
  DeleteEndpoint, also for a Failed endpoint, and wait until it is gone).
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
import pulumi.dynamic
from pydantic import Field

from components.core.errors import SageMakerOperationError, calling
from components.core.lifecycle import Lifecycle
from components.core.provider import SageMakerProvider, StrictModel
from components.core.resource import SageMakerResource
from components.core.service_model import Violation, shape_named, validate
from components.core.tags import INTERNAL_TAG_PREFIX, tag_violations
from components.rules.deployment import deployment_rules

KIND = "Endpoint"
FAILED_CONFIG_TAG = f"{INTERNAL_TAG_PREFIX}failed-endpoint-config"
"""Set on the endpoint when a config failed to deploy: the memory that outlives the failed update."""


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
        status="EndpointStatus",
        ready=frozenset({"InService"}),
        failed=frozenset({"Failed", "UpdateRollbackFailed", "OutOfService"}),
        changing=frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack"}),
        create="CreateEndpoint",
        delete="DeleteEndpoint",
        not_found=("ValidationException", "Could not find endpoint"),
        already_exists=("ValidationException", "already existing"),
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

    def create_request(self, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        request = {**super().create_request(name, inputs), "EndpointConfigName": inputs["endpoint_config_name"]}
        if inputs.get("deployment_config"):
            request["DeploymentConfig"] = inputs["deployment_config"]
        return request

    def outputs(self, described: dict[str, Any]) -> dict[str, Any]:
        return endpoint_outputs(described)

    def _failed_config(self, arn: str) -> str | None:
        with calling(KIND, arn, "ListTags"):
            tags = self.sagemaker.list_tags(ResourceArn=arn)["Tags"]
        return next((tag["Value"] for tag in tags if tag["Key"] == FAILED_CONFIG_TAG), None)

    def apply(self, id_: str, olds: dict[str, Any], news: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        ended = "the endpoint is {status}; only delete is possible (replace it)"
        endpoint = self.wait_ready(id_, news["update_timeout_seconds"], "UpdateEndpoint", ended=ended)
        if endpoint["EndpointConfigName"] != news["endpoint_config_name"]:
            endpoint = self._deploy(id_, endpoint["EndpointArn"], news["endpoint_config_name"], news)
        return endpoint

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
        settle = lambda: self.wait_ready(  # noqa: E731
            name, news["update_timeout_seconds"], "UpdateEndpoint", ended="the update ended {status}"
        )
        self.change(
            name,
            "UpdateEndpoint",
            lambda: self.sagemaker.update_endpoint(**request),
            applied=lambda live: live["EndpointConfigName"] == target,
            settle=settle,
        )
        endpoint = settle()
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


class EndpointResource(SageMakerResource, module="sagemaker", name="Endpoint"):
    """The dynamic resource (`pulumi-python:dynamic/sagemaker:Endpoint`); use `components.ModelEndpoint`."""

    provider_class = EndpointProvider

    endpoint_name: pulumi.Output[str]
    endpoint_arn: pulumi.Output[str]
    endpoint_config_name: pulumi.Output[str]
    status: pulumi.Output[str]
    failure_reason: pulumi.Output[str | None]
    variants: pulumi.Output[list[dict[str, Any]]]
