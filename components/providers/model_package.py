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
from pydantic import Field, model_validator

from components.core.errors import SageMakerOperationError, calling
from components.core.lifecycle import Lifecycle
from components.core.naming import canonical_json
from components.core.provider import SageMakerProvider, StrictModel
from components.core.resource import SageMakerResource
from components.core.service_model import Violation
from components.core.tags import tag_list
from components.core.waiter import ResourceVanished
from components.rules.model_package import append_only_violations, failure_reasons, package_rules, update_request

KIND = "ModelPackage"


class ModelPackageInputs(StrictModel):
    """What the ModelPackage provider takes: the immutable request and the updatable parts."""

    logical_name: str = "model-package"
    request: dict[str, Any] = Field(default_factory=dict)
    approval_status: str | None = "PendingManualApproval"
    """None for an unversioned package (`request.ModelPackageName`), which has no approval."""
    approval_description: str | None = None
    customer_metadata: dict[str, str] = Field(default_factory=dict)
    additional_inference_specifications: list[dict[str, Any]] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    wait_timeout_seconds: int = Field(default=3600, ge=1)
    client_token: str | None = None
    delete_approved: bool = False
    """Destroy and replace delete approved and rejected versions too (default: keep them)."""

    @model_validator(mode="before")
    @classmethod
    def _unversioned_has_no_approval(cls, data: Any) -> Any:
        # The engine drops the component's None, so the default would send an approval status for
        # an unversioned package, to which SageMaker says approval "does not apply".
        request = data.get("request") if isinstance(data, dict) else None
        if isinstance(request, dict) and request.get("ModelPackageName") and "approval_status" not in data:
            return {**cast(dict[str, Any], data), "approval_status": None}
        return data


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
        describe="DescribeModelPackage",
        key="ModelPackageName",
        status="ModelPackageStatus",
        ready=frozenset({"Completed"}),
        failed=frozenset({"Failed"}),
        changing=frozenset({"Pending", "InProgress"}),
        failure_reason="ModelPackageStatusDetails",
        create="CreateModelPackage",
        delete="DeleteModelPackage",
        not_found=("ValidationException", "does not exist"),
    )
    has_tags = False  # a version in a group carries no tags (SageMaker refuses them)
    # Only an unversioned package has tags (the rules refuse them in a group), sent at create:
    # changing them registers the package again rather than updating only the state.
    replace_on = ("logical_name", "request", "client_token", "tags")
    update_on = (*inputs_as_members, "approval_description")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        result = super().check(olds, news)
        for violation in append_only_violations(olds, news):
            result.failures.append(pulumi.dynamic.CheckFailure(violation.path, violation.reason))
        return result

    def rules(self, inputs: dict[str, Any]) -> list[Violation]:
        return package_rules(inputs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        result = super().diff(_id, olds, news)
        # An unversioned package is named by ModelPackageName, which its replacement takes too:
        # the old one must go first (a version in a group gets a new version number instead).
        if result.replaces and (news.get("request") or {}).get("ModelPackageName"):
            result.delete_before_replace = True
        return result

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
        return self.wait_ready(arn, inputs["wait_timeout_seconds"], "validation", ended="the package ended {status}")

    def failure(self, name: str, operation: str, message: str, state: dict[str, Any]) -> SageMakerOperationError:
        return SageMakerOperationError(
            KIND,
            name,
            operation,
            message,
            failure_reason=failure_reasons(state),
            hint="Fix the package (image, artifacts, validation profile) and change it to register a new version.",
        )

    def _register(self, inputs: dict[str, Any], token: str) -> str:
        with calling(KIND, inputs["logical_name"], "CreateModelPackage"):
            tags = {"Tags": tag_list(inputs["tags"])} if inputs.get("tags") else {}  # unversioned only (rules)
            arn = self.sagemaker.create_model_package(**self.full_request(inputs), **tags, ClientToken=token)[
                "ModelPackageArn"
            ]
        pulumi.log.info(f"{KIND} {inputs['logical_name']}: registered {arn}")
        return arn

    def outputs(self, described: dict[str, Any]) -> dict[str, Any]:
        return package_outputs(described)

    def apply(self, id_: str, olds: dict[str, Any], news: dict[str, Any], live: dict[str, Any]) -> None:
        changes = update_request(olds, news)
        if changes:
            with calling(KIND, id_, "UpdateModelPackage"):
                self.sagemaker.update_model_package(ModelPackageArn=id_, **changes)

    def keep(self, described: dict[str, Any], state: dict[str, Any]) -> bool:
        decided = described.get("ModelApprovalStatus") in KEPT_STATUSES and self.status_of(described) == "Completed"
        if decided and not state.get("delete_approved"):
            pulumi.log.info(
                f"{KIND} {described['ModelPackageArn']}: kept in the registry ({described['ModelApprovalStatus']}: "
                "lineage that other stacks may serve); set delete_approved_versions=True to delete decided versions"
            )
        return decided and not state.get("delete_approved")


class ModelPackageResource(SageMakerResource, module="sagemaker", name="ModelPackage"):
    """The dynamic resource (`pulumi-python:dynamic/sagemaker:ModelPackage`); use `components.ModelPackage`."""

    provider_class = ModelPackageProvider

    arn: pulumi.Output[str]
    version: pulumi.Output[int | None]
    status: pulumi.Output[str]
    approval_status: pulumi.Output[str]
    group_name: pulumi.Output[str | None]
    creation_time: pulumi.Output[str]
