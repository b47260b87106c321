"""What the service model does not say about a model package version: the rules of its request
(the provider's Check), how an in-place change is asked for, and how a failure is reported."""

from __future__ import annotations

from typing import Any, cast

from components.core.secrets import credential_violations
from components.core.service_model import Violation, input_shape, validate
from components.core.unknowns import contains_unknown

MAX_CONTAINER_ENVIRONMENT = 16
"""SageMaker's documented limit for a model package container's environment (the API model says 100)."""


def append_only_violations(olds: dict[str, Any], news: dict[str, Any]) -> list[Violation]:
    """SageMaker can only add additional inference specifications to a version."""
    before, after = olds.get("additional_inference_specifications"), news.get("additional_inference_specifications")
    if not (isinstance(before, list) and isinstance(after, list)) or contains_unknown(after):
        return []
    if after[: len(before)] == before:
        return []
    removed = [spec.get("Name", "?") for spec in before if spec not in after]
    return [
        Violation(
            "additional_inference_specifications",
            "SageMaker can only append to a package's additional inference specifications; "
            f"removing or changing {removed} needs a new version (change the request instead)",
        )
    ]


def package_rules(inputs: dict[str, Any]) -> list[Violation]:
    """Rules of a package version that the service model does not state."""
    request = inputs["request"]
    violations: list[Violation] = []
    group, name = request.get("ModelPackageGroupName"), request.get("ModelPackageName")
    if bool(group) == bool(name):
        violations.append(Violation("request.ModelPackageGroupName", "set exactly one of a group and a package name"))
    if group and inputs.get("tags"):
        violations.append(
            Violation("tags", "SageMaker refuses tags on a package in a group: tag the ModelRegistry (group) instead")
        )
    description = inputs.get("approval_description")
    if description is not None:
        shape = cast(dict[str, Any], input_shape("UpdateModelPackage").members)["ApprovalDescription"]
        violations += validate(description, shape, "approval_description")[1]
    specifications = [("request.InferenceSpecification", request.get("InferenceSpecification"))]
    additional = inputs.get("additional_inference_specifications")
    if isinstance(additional, list):
        specifications += [
            (f"additional_inference_specifications[{index}]", spec) for index, spec in enumerate(additional)
        ]
    for where, specification in specifications:
        violations += _environment_rules(specification, where)
    return violations


def _environment_rules(specification: Any, path: str) -> list[Violation]:
    """Every container environment of an inference specification: its size, and no credentials."""
    containers = specification.get("Containers") if isinstance(specification, dict) else None
    violations: list[Violation] = []
    for index, container in enumerate(containers if isinstance(containers, list) else []):
        environment = container.get("Environment") if isinstance(container, dict) else None
        if not isinstance(environment, dict):
            continue
        where = f"{path}.Containers[{index}].Environment"
        if len(environment) > MAX_CONTAINER_ENVIRONMENT:
            violations.append(Violation(where, f"at most {MAX_CONTAINER_ENVIRONMENT} entries (has {len(environment)})"))
        violations += credential_violations(environment, where)
    return violations


def update_request(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    """The UpdateModelPackage members that take a version from the old inputs to the new ones."""
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
    return changes


def failure_reasons(package: dict[str, Any]) -> str:
    """The validation and image-scan failures of a package that ended Failed."""
    details = package.get("ModelPackageStatusDetails") or {}
    reasons = [
        f"{kind} {item.get('Name', '')}: {item['FailureReason']}"
        for kind in ("ValidationStatuses", "ImageScanStatuses")
        for item in details.get(kind, [])
        if item.get("FailureReason")
    ]
    return "; ".join(reasons) or "no reason given"
