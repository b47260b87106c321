"""The ModelPackage dynamic provider: versioned, approvable packages in a model package group.

- Create: CreateModelPackage with a ClientToken derived from the resource's logical name and its
  request, so a retried or interrupted create returns the version it already registered instead
  of registering another. Waits for Completed; Failed raises with the validation and image-scan
  failure reasons.
- In place (UpdateModelPackage): approval status and description, customer metadata (set and
  remove), additional inference specifications (append only). Anything else is a new version.
- Read: the live approval, so an approval made in the console shows on `pulumi refresh`, and the
  next `up` shows the change back as a diff rather than reverting it silently.
- Delete (on destroy, and of the old version on replace): let a version still registering finish;
  then a version that is Approved or Rejected is *kept*: the registry is lineage that every
  environment shares (staging and prod serve promoted versions by ARN, rollbacks go back to
  them), as completed training jobs are kept. Only versions never decided on (pending, failed)
  are deleted, unless `delete_approved` opts in to deleting every version.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, ClassVar, cast

import pulumi
import pulumi.dynamic
from pydantic import Field

from components.core.errors import SageMakerOperationError, calling
from components.core.naming import canonical_json
from components.core.provider import Lifecycle, SageMakerProvider, StrictModel
from components.core.resource import SageMakerResource
from components.core.secrets import credential_violations
from components.core.service_model import Violation, input_shape, validate
from components.core.unknowns import contains_unknown
from components.core.waiter import ResourceVanished, WaitFailed, WaitSpec, WaitTimedOut

KIND = "ModelPackage"
MAX_CONTAINER_ENVIRONMENT = 16
"""SageMaker's documented limit for a model package container's environment (the API model says 100)."""

COMPLETION = WaitSpec(
    operation="DescribeModelPackage",
    status_field="ModelPackageStatus",
    success=frozenset({"Completed"}),
    failure=frozenset({"Failed"}),
)
SETTLED = WaitSpec(
    operation="DescribeModelPackage",
    status_field="ModelPackageStatus",
    success=frozenset({"Completed", "Failed", "Deleting"}),
    gone_is_success=True,
)
"""Anything but Pending / InProgress: delete lets a version finish registering first."""
GONE = WaitSpec(
    operation="DescribeModelPackage",
    status_field="ModelPackageStatus",
    success=frozenset(),
    gone_is_success=True,
)


class ModelPackageInputs(StrictModel):
    """What the ModelPackage provider takes: the immutable request and the updatable parts."""

    logical_name: str = "model-package"
    request: dict[str, Any] = Field(default_factory=dict)
    approval_status: str = "PendingManualApproval"
    approval_description: str | None = None
    customer_metadata: dict[str, str] = Field(default_factory=dict)
    additional_inference_specifications: list[dict[str, Any]] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    wait_timeout_seconds: int = Field(default=3600, ge=1)
    client_token: str | None = None
    delete_approved: bool = False
    """Destroy and replace delete approved and rejected versions too (default: keep them)."""


KEPT_STATUSES = frozenset({"Approved", "Rejected"})
"""Decided versions: lineage that destroy and replace keep unless `delete_approved`."""


def package_outputs(package: dict[str, Any]) -> dict[str, Any]:
    """The component's outputs (and the live updatable inputs) from DescribeModelPackage."""
    created = package.get("CreationTime")
    return {
        "arn": package["ModelPackageArn"],
        "version": package.get("ModelPackageVersion"),
        "status": package["ModelPackageStatus"],
        "group_name": package.get("ModelPackageGroupName"),
        "creation_time": created.isoformat() if isinstance(created, datetime) else created,
        "approval_status": package.get("ModelApprovalStatus"),
        "approval_description": package.get("ApprovalDescription"),
        "customer_metadata": package.get("CustomerMetadataProperties") or {},
        "additional_inference_specifications": package.get("AdditionalInferenceSpecifications") or [],
    }


def _failure_reasons(package: dict[str, Any]) -> str:
    details = package.get("ModelPackageStatusDetails") or {}
    reasons = [
        f"{kind} {item.get('Name', '')}: {item['FailureReason']}"
        for kind in ("ValidationStatuses", "ImageScanStatuses")
        for item in details.get(kind, [])
        if item.get("FailureReason")
    ]
    return "; ".join(reasons) or "no reason given"


class ModelPackageProvider(SageMakerProvider):
    """Registers, waits for, approves, refreshes and deletes model packages."""

    kind = KIND
    inputs_model = ModelPackageInputs
    request_operation = "CreateModelPackage"
    request_set_by_provider: ClassVar[dict[str, Any]] = {"ClientToken": "placeholder", "Tags": []}
    inputs_as_members: ClassVar[dict[str, str]] = {
        "approval_status": "ModelApprovalStatus",
        "customer_metadata": "CustomerMetadataProperties",
        "additional_inference_specifications": "AdditionalInferenceSpecifications",
    }
    lifecycle = Lifecycle(
        describe="DescribeModelPackage", key="ModelPackageName", not_found=("ValidationException", "does not exist")
    )
    has_tags = False  # a version in a group carries no tags (SageMaker refuses them)
    replace_on = ("logical_name", "request", "client_token")
    update_on = (*inputs_as_members, "approval_description")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        result = super().check(olds, news)
        before, after = olds.get("additional_inference_specifications"), news.get("additional_inference_specifications")
        if not (isinstance(before, list) and isinstance(after, list)) or contains_unknown(after):
            return result
        if after[: len(before)] != before:
            removed = [spec.get("Name", "?") for spec in before if spec not in after]
            result.failures.append(
                pulumi.dynamic.CheckFailure(
                    "additional_inference_specifications",
                    "SageMaker can only append to a package's additional inference specifications; "
                    f"removing or changing {removed} needs a new version (change the request instead)",
                )
            )
        return result

    def rules(self, inputs: dict[str, Any]) -> list[Violation]:
        request = inputs["request"]
        violations: list[Violation] = []
        group, name = request.get("ModelPackageGroupName"), request.get("ModelPackageName")
        if bool(group) == bool(name):
            violations.append(
                Violation("request.ModelPackageGroupName", "set exactly one of a group and a package name")
            )
        if group and inputs.get("tags"):
            violations.append(
                Violation(
                    "tags", "SageMaker refuses tags on a package in a group: tag the ModelRegistry (group) instead"
                )
            )
        description = inputs.get("approval_description")
        if description is not None:
            shape = cast(dict[str, Any], input_shape("UpdateModelPackage").members)["ApprovalDescription"]
            violations += validate(description, shape, "approval_description")[1]
        containers = (request.get("InferenceSpecification") or {}).get("Containers") or []
        for index, container in enumerate(containers if isinstance(containers, list) else []):
            environment = container.get("Environment") if isinstance(container, dict) else None
            if not isinstance(environment, dict):
                continue
            where = f"request.InferenceSpecification.Containers[{index}].Environment"
            if len(environment) > MAX_CONTAINER_ENVIRONMENT:
                violations.append(
                    Violation(where, f"at most {MAX_CONTAINER_ENVIRONMENT} entries (has {len(environment)})")
                )
            violations += credential_violations(environment, where)
        return violations

    def computed(self, inputs: dict[str, Any]) -> dict[str, Any]:
        content = canonical_json({"name": inputs["logical_name"], "request": inputs["request"]})
        return {"client_token": hashlib.sha256(content.encode()).hexdigest()[:32]}

    def create_resource(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        token = inputs.get("client_token") or self.computed(inputs)["client_token"]
        arn = self._register(inputs, token)
        try:
            package = self._wait_completed(arn, inputs)
        except ResourceVanished:
            # The token still names a version deleted since (a destroy, then the same request
            # again): register afresh under a token derived from the deleted one.
            arn = self._register(inputs, hashlib.sha256(f"{token}:{arn}".encode()).hexdigest()[:32])
            package = self._wait_completed(arn, inputs)
        if inputs.get("approval_description"):  # CreateModelPackage has no such member
            with calling(KIND, arn, "UpdateModelPackage"):
                self.sagemaker.update_model_package(
                    ModelPackageArn=arn, ApprovalDescription=inputs["approval_description"]
                )
            package = self.live(arn) or package
        return arn, package_outputs(package)

    def _wait_completed(self, arn: str, inputs: dict[str, Any]) -> dict[str, Any]:
        try:
            package = self.settle(arn, COMPLETION, inputs["wait_timeout_seconds"])
        except WaitFailed as failed:
            raise SageMakerOperationError(
                KIND,
                arn,
                "validation",
                "the package ended Failed",
                failure_reason=_failure_reasons(failed.state),
                hint="Fix the package (image, artifacts, validation profile) and change it to register a new version.",
            ) from None
        except WaitTimedOut as timed_out:
            raise SageMakerOperationError(
                KIND, arn, "wait for Completed", f"still {(timed_out.state or {}).get('ModelPackageStatus')}"
            ) from None
        assert package is not None
        return package

    def _register(self, inputs: dict[str, Any], token: str) -> str:
        with calling(KIND, inputs["logical_name"], "CreateModelPackage"):
            arn = self.sagemaker.create_model_package(**self.full_request(inputs), ClientToken=token)["ModelPackageArn"]
        pulumi.log.info(f"{KIND} {inputs['logical_name']}: registered {arn}")
        return arn

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        package = self.live(id_)
        return package_outputs(package) if package is not None else None

    def update_resource(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if news.get("approval_status") != olds.get("approval_status"):
            changes["ModelApprovalStatus"] = news["approval_status"]
        if news.get("approval_description") != olds.get("approval_description") and news.get("approval_description"):
            changes["ApprovalDescription"] = news["approval_description"]
        old_metadata, new_metadata = olds.get("customer_metadata") or {}, news.get("customer_metadata") or {}
        if set_metadata := {k: v for k, v in new_metadata.items() if old_metadata.get(k) != v}:
            changes["CustomerMetadataProperties"] = set_metadata
        if removed := [key for key in old_metadata if key not in new_metadata]:
            changes["CustomerMetadataPropertiesToRemove"] = removed
        old_specs = olds.get("additional_inference_specifications") or []
        if added := (news.get("additional_inference_specifications") or [])[len(old_specs) :]:
            changes["AdditionalInferenceSpecificationsToAdd"] = added
        if changes:
            with calling(KIND, id_, "UpdateModelPackage"):
                self.sagemaker.update_model_package(ModelPackageArn=id_, **changes)
        package = self.live(id_)
        if package is None:
            raise self.gone(id_, "update")
        return package_outputs(package)

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        package = self.live(id_)
        if package is not None and package["ModelPackageStatus"] in ("Pending", "InProgress"):
            package = self.settle(id_, SETTLED, 1800)
        if package is None:
            return
        decided = package.get("ModelApprovalStatus") in KEPT_STATUSES and package["ModelPackageStatus"] == "Completed"
        if decided and not state.get("delete_approved"):
            pulumi.log.info(
                f"{KIND} {id_}: kept in the registry ({package['ModelApprovalStatus']}: lineage that other stacks "
                "may serve); set delete_approved_versions=True to delete decided versions"
            )
            return
        if package["ModelPackageStatus"] != "Deleting":
            with calling(KIND, id_, "DeleteModelPackage"):
                self.sagemaker.delete_model_package(ModelPackageName=id_)
        self.settle(id_, GONE, 1800)


OUTPUTS = ("arn", "version", "status", "group_name", "creation_time")


class ModelPackageResource(SageMakerResource, module="sagemaker", name="ModelPackage"):
    """The dynamic resource (`pulumi-python:dynamic/sagemaker:ModelPackage`); use `components.ModelPackage`."""

    provider_class = ModelPackageProvider
    output_names = OUTPUTS

    arn: pulumi.Output[str]
    version: pulumi.Output[int | None]
    status: pulumi.Output[str]
    approval_status: pulumi.Output[str]
    group_name: pulumi.Output[str | None]
    creation_time: pulumi.Output[str]
