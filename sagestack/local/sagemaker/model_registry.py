"""The model registry: model package groups, and model packages that move
Pending -> InProgress -> Completed (or Failed), with versions counting up within a group.

Versioned packages are addressed by ARN (`model-package/<group>/<version>`), unversioned ones by
name. A repeated ClientToken returns the package it created first, as SageMaker's
idempotency does, so a retried create never registers a second version.
"""

from __future__ import annotations

from typing import Any

from .core import Call, Record, always, echo, listing, operation, tag_map
from .errors import ConflictError, ValidationError

GROUP = "model_package_group"
PACKAGE = "model_package"
MAX_ADDITIONAL_INFERENCE_SPECIFICATIONS = 15
UPDATABLE = (
    "ModelApprovalStatus",
    "ApprovalDescription",
    "InferenceSpecification",
    "SourceUri",
    "ModelCard",
    "ModelLifeCycle",
)
PACKAGE_DEFAULTS = always(
    "DescribeModelPackage", ModelPackageRegistrationType="Registered", CertifyForMarketplace=False
)
"""What DescribeModelPackage answers for a request that did not set them."""


def _group_name(reference: str) -> str:
    return reference.rsplit("/", 1)[-1] if reference.startswith("arn:") else reference


def _find_group(call: Call, reference: str) -> Record:
    name = _group_name(reference)
    record = call.store.find(GROUP, name, call.now)
    if record is None:
        raise ValidationError(f"ModelPackageGroup {call.arn(f'model-package-group/{name.lower()}')} does not exist.")
    return record


@operation("CreateModelPackageGroup")
def create_group(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    name = body["ModelPackageGroupName"]
    arn = call.arn(f"model-package-group/{name.lower()}")
    if call.store.find(GROUP, name, call.now) is not None:
        raise ValidationError(f"Model Package Group already exists: {arn}")
    record = Record(GROUP, name, arn, call.now, body, tags=tag_map(body.get("Tags")))
    record.timeline.plan(call.now, [({"ModelPackageGroupStatus": "Completed"}, None)])
    record.data["versions"] = 0
    call.store.add(record)
    return {"ModelPackageGroupArn": arn}


def describe_group_record(call: Call, record: Record) -> dict[str, Any]:
    answer = echo(record.request, "DescribeModelPackageGroup") | {
        "ModelPackageGroupName": record.name,
        "ModelPackageGroupArn": record.arn,
        "CreationTime": record.created,
        "ModelPackageGroupStatus": record.state(call.now)["ModelPackageGroupStatus"],
        "CreatedBy": {},
    }
    answer.pop("Tags", None)
    return answer


@operation("DescribeModelPackageGroup")
def describe_group(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return describe_group_record(call, _find_group(call, body["ModelPackageGroupName"]))


@operation("DeleteModelPackageGroup")
def delete_group(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find_group(call, body["ModelPackageGroupName"])
    if any(p.data.get("group") == record.name for p in call.store.all(PACKAGE, call.now)):
        raise ConflictError(f"Model Package Group {record.arn} still contains model packages; delete them first.")
    record.delete(call.now)
    return {}


@operation("ListModelPackageGroups")
def list_groups(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return listing(
        call.store.all(GROUP, call.now),
        body,
        "ModelPackageGroupSummaryList",
        lambda record: describe_group_record(call, record),
        (
            "ModelPackageGroupName",
            "ModelPackageGroupArn",
            "ModelPackageGroupDescription",
            "CreationTime",
            "ModelPackageGroupStatus",
        ),
        sort_fields={"Name": "ModelPackageGroupName", "CreationTime": "CreationTime"},
    )


# --- model packages -------------------------------------------------------------------------


def _find_package(call: Call, reference: str) -> Record:
    if reference.startswith("arn:"):
        record = call.store.by_arn(reference, call.now)
        if record is not None and record.kind == PACKAGE:
            return record
        raise ValidationError(f"ModelPackage {reference} does not exist.")
    record = call.store.find(PACKAGE, reference, call.now)
    if record is None or record.data.get("group"):
        raise ValidationError(f"ModelPackage {call.arn(f'model-package/{reference.lower()}')} does not exist.")
    return record


def _same_request(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return {k: v for k, v in a.items() if k != "ClientToken"} == {k: v for k, v in b.items() if k != "ClientToken"}


@operation("CreateModelPackage")
def create_package(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    token = body.get("ClientToken")
    if token:
        for existing in call.store.all(PACKAGE, call.now):
            if existing.request.get("ClientToken") == token:
                if not _same_request(existing.request, body):
                    raise ConflictError(f"ClientToken {token} was already used with a different request.")
                return {"ModelPackageArn": existing.arn}
    group_ref, name = body.get("ModelPackageGroupName"), body.get("ModelPackageName")
    if bool(group_ref) == bool(name):
        raise ValidationError("Exactly one of ModelPackageGroupName and ModelPackageName must be specified.")
    fields: dict[str, Any] = {key: body[key] for key in UPDATABLE if key in body}
    fields["CustomerMetadataProperties"] = dict(body.get("CustomerMetadataProperties") or {})
    fields["AdditionalInferenceSpecifications"] = list(body.get("AdditionalInferenceSpecifications") or [])
    if group_ref:
        if body.get("Tags"):
            raise ValidationError("Tags cannot be set on a model package that belongs to a model package group.")
        group = _find_group(call, group_ref)
        group.data["versions"] += 1
        version = group.data["versions"]
        record = Record(
            PACKAGE,
            f"{group.name}/{version}",
            call.arn(f"model-package/{group.name.lower()}/{version}"),
            call.now,
            body,
        )
        record.data.update(group=group.name, version=version)
        fields.setdefault("ModelApprovalStatus", "PendingManualApproval")
    else:
        assert name is not None
        if call.store.find(PACKAGE, name, call.now) is not None:
            raise ConflictError(f"ModelPackage {call.arn(f'model-package/{name.lower()}')} already exists.")
        record = Record(PACKAGE, name, call.arn(f"model-package/{name.lower()}"), call.now, body)
        record.tags = tag_map(body.get("Tags"))
    record.data["fields"] = fields
    record.data["modified"] = call.now
    d = call.durations.model_package
    reason = call.faults.take_failure(PACKAGE, record.name)
    validation = {"Name": record.data.get("group") or record.name}
    if reason is not None:
        last = {
            "ModelPackageStatus": "Failed",
            "ValidationStatuses": [validation | {"Status": "Failed", "FailureReason": reason}],
        }
    else:
        last = {"ModelPackageStatus": "Completed", "ValidationStatuses": [validation | {"Status": "Completed"}]}
    record.timeline.plan(
        call.now,
        [
            (
                {"ModelPackageStatus": "Pending", "ValidationStatuses": [validation | {"Status": "NotStarted"}]},
                d.pending,
            ),
            (
                {"ModelPackageStatus": "InProgress", "ValidationStatuses": [validation | {"Status": "InProgress"}]},
                d.in_progress,
            ),
            (last, None),
        ],
    )
    call.store.add(record)
    return {"ModelPackageArn": record.arn}


def describe_package_record(call: Call, record: Record) -> dict[str, Any]:
    state = record.state(call.now)
    answer = PACKAGE_DEFAULTS | echo(record.request, "DescribeModelPackage")
    answer.pop("Tags", None)
    fields = {key: value for key, value in record.data["fields"].items() if value}
    answer |= fields | {
        "ModelPackageName": record.data.get("group") or record.name,
        "ModelPackageArn": record.arn,
        "CreationTime": record.created,
        "LastModifiedTime": record.data["modified"],
        "ModelPackageStatus": state["ModelPackageStatus"],
        "ModelPackageStatusDetails": {"ValidationStatuses": state["ValidationStatuses"], "ImageScanStatuses": []},
    }
    if record.data.get("group"):
        answer["ModelPackageGroupName"] = record.data["group"]
        answer["ModelPackageVersion"] = record.data["version"]
    return answer


@operation("DescribeModelPackage")
def describe_package(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return describe_package_record(call, _find_package(call, body["ModelPackageName"]))


@operation("UpdateModelPackage")
def update_package(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find_package(call, body["ModelPackageArn"])
    if not record.data.get("group"):
        raise ValidationError("Only versioned model packages (in a model package group) can be updated.")
    fields = record.data["fields"]
    additions = body.get("AdditionalInferenceSpecificationsToAdd") or []
    if len(fields["AdditionalInferenceSpecifications"]) + len(additions) > MAX_ADDITIONAL_INFERENCE_SPECIFICATIONS:
        raise ValidationError(
            f"A model package can have at most {MAX_ADDITIONAL_INFERENCE_SPECIFICATIONS} additional "
            "inference specifications."
        )
    fields.update({key: body[key] for key in UPDATABLE if key in body})
    fields["CustomerMetadataProperties"].update(body.get("CustomerMetadataProperties") or {})
    for key in body.get("CustomerMetadataPropertiesToRemove") or []:
        fields["CustomerMetadataProperties"].pop(key, None)
    fields["AdditionalInferenceSpecifications"] += additions
    record.data["modified"] = call.now
    return {"ModelPackageArn": record.arn}


@operation("DeleteModelPackage")
def delete_package(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find_package(call, body["ModelPackageName"])
    record.delete(call.now, {"ModelPackageStatus": "Deleting"}, call.durations.model_package.deleting)
    return {}


@operation("ListModelPackages")
def list_packages(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    records = call.store.all(PACKAGE, call.now)
    if group_ref := body.get("ModelPackageGroupName"):
        group = _group_name(group_ref).lower()
        records = [r for r in records if (r.data.get("group") or "").lower() == group]
    else:
        kind = body.get("ModelPackageType", "Unversioned")
        if kind != "Both":
            records = [r for r in records if bool(r.data.get("group")) == (kind == "Versioned")]

    return listing(
        records,
        body,
        "ModelPackageSummaryList",
        lambda record: _package_summary(call, record),
        (
            "ModelPackageName",
            "ModelPackageGroupName",
            "ModelPackageVersion",
            "ModelPackageArn",
            "ModelPackageDescription",
            "CreationTime",
            "ModelPackageStatus",
            "ModelApprovalStatus",
            "ModelLifeCycle",
            "ModelPackageRegistrationType",
        ),
        sort_fields={"Name": "ModelPackageName", "CreationTime": "CreationTime"},
        status_field=("ModelApprovalStatus", "ModelApprovalStatus"),
    )


def _package_summary(call: Call, record: Record) -> dict[str, Any]:
    """A package as ListModelPackages reports it: a versioned package's summary names its group
    and version, not a ModelPackageName (which DescribeModelPackage fills with the group's name)."""
    described = describe_package_record(call, record)
    if record.data.get("group"):
        del described["ModelPackageName"]
    return described


@operation("BatchDescribeModelPackage")
def batch_describe_packages(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    summaries: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for arn in body["ModelPackageArnList"]:
        record = call.store.by_arn(arn, call.now)
        if record is None or record.kind != PACKAGE:
            errors[arn] = {"ErrorCode": "ValidationException", "ErrorResponse": f"ModelPackage {arn} does not exist."}
            continue
        described = describe_package_record(call, record)
        summaries[arn] = {key: described[key] for key in _BATCH_SUMMARY if key in described}
    return {"ModelPackageSummaries": summaries, "BatchDescribeModelPackageErrorMap": errors}


_BATCH_SUMMARY = (
    "ModelPackageGroupName",
    "ModelPackageVersion",
    "ModelPackageArn",
    "ModelPackageDescription",
    "CreationTime",
    "InferenceSpecification",
    "ModelPackageStatus",
    "ModelApprovalStatus",
    "ModelPackageRegistrationType",
)
