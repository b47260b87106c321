"""The Feature Store runtime (`sagemaker-featurestore-runtime`): PutRecord, GetRecord,
BatchGetRecord and DeleteRecord against each feature group's online store (`online_store`).

Errors as the service gives them: a missing group is `ValidationError: Resource Not Found:
Amazon SageMaker can't find a FeatureGroup with name X` for PutRecord (seen from the service;
sagemaker-python-sdk issue 2606) and DeleteRecord, and `ResourceNotFound` (its documented error)
for GetRecord; reading a group without an online store is `AccessForbidden`. The offline store
is not kept: a write that targets it is accepted and only the online store changes.
"""

from __future__ import annotations

from typing import Any

from .core import FEATURESTORE_RUNTIME, Call, Record, operation
from .errors import AccessForbidden, ResourceNotFound, RuntimeValidationError, SageMakerError
from .feature_groups import KIND, describe_record
from .online_store import OnlineRecord, checked_record, event_seconds, iso, store_of, ttl_seconds

ONLINE, OFFLINE = "OnlineStore", "OfflineStore"


def _missing(name: str) -> str:
    return f"Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name {name}"


def _group(call: Call, reference: str, error: type[SageMakerError]) -> tuple[Record, dict[str, Any]]:
    """The Created group named by name or ARN, and its describe answer (its current definitions)."""
    name = reference.rsplit("/", 1)[-1]
    group = call.store.find(KIND, name, call.now)
    if group is None:
        raise error(_missing(name))
    described = describe_record(call, group)
    if described["FeatureGroupStatus"] != "Created":
        raise RuntimeValidationError(
            f"FeatureGroup {group.name} is in status {described['FeatureGroupStatus']}: records can be "
            "written and read once it is Created."
        )
    return group, described


def _online(described: dict[str, Any]) -> bool:
    return bool((described.get("OnlineStoreConfig") or {}).get("EnableOnlineStore"))


def _targets_online(call_targets: list[str] | None, described: dict[str, Any]) -> bool:
    """Whether a write reaches the online store; naming a store the group lacks is an error."""
    has = {ONLINE: _online(described), OFFLINE: bool(described.get("OfflineStoreConfig"))}
    targets = call_targets or [store for store, present in has.items() if present]
    if ONLINE in targets and not _online(described):
        raise RuntimeValidationError(f"FeatureGroup {described['FeatureGroupName']} has no online store.")
    if OFFLINE in targets and not described.get("OfflineStoreConfig"):
        raise RuntimeValidationError(f"FeatureGroup {described['FeatureGroupName']} has no offline store.")
    return ONLINE in targets


def _readable(described: dict[str, Any]) -> None:
    if not _online(described):
        raise AccessForbidden(
            f"FeatureGroup {described['FeatureGroupName']} has no online store: records are read from the online store."
        )


@operation("PutRecord", FEATURESTORE_RUNTIME)
def put_record(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    group, described = _group(call, body["FeatureGroupName"], RuntimeValidationError)
    identifier, event_time = checked_record(body["Record"], described)
    if _targets_online(body.get("TargetStores"), described):
        ttl = ttl_seconds(body.get("TtlDuration") or described["OnlineStoreConfig"].get("TtlDuration"))
        expires = event_time + ttl if ttl is not None else None
        store_of(group).put(identifier, OnlineRecord(list(body["Record"]), event_time, expires), call.now)
    return {}


def _answer(record: OnlineRecord, feature_names: list[str] | None, expiration: bool) -> dict[str, Any]:
    wanted = set(feature_names or [])
    answer: dict[str, Any] = {"Record": [f for f in record.features if not wanted or f["FeatureName"] in wanted]}
    if expiration and record.expires_at is not None:
        answer["ExpiresAt"] = iso(record.expires_at)
    return answer


@operation("GetRecord", FEATURESTORE_RUNTIME)
def get_record(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    group, described = _group(call, body["FeatureGroupName"], ResourceNotFound)
    _readable(described)
    record = store_of(group).get(body["RecordIdentifierValueAsString"], call.now)
    if record is None:
        return {}  # the service answers an unknown identifier with an empty 200
    return _answer(record, body.get("FeatureNames"), body.get("ExpirationTimeResponse") == "Enabled")


@operation("BatchGetRecord", FEATURESTORE_RUNTIME)
def batch_get_record(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    records: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    expiration = body.get("ExpirationTimeResponse") == "Enabled"
    for wanted in body["Identifiers"]:
        name = wanted["FeatureGroupName"]
        try:
            group, described = _group(call, name, ResourceNotFound)
            _readable(described)
        except SageMakerError as error:
            errors += [
                {
                    "FeatureGroupName": name,
                    "RecordIdentifierValueAsString": identifier,
                    "ErrorCode": error.code,
                    "ErrorMessage": error.message,
                }
                for identifier in wanted["RecordIdentifiersValueAsString"]
            ]
            continue
        for identifier in wanted["RecordIdentifiersValueAsString"]:
            record = store_of(group).get(identifier, call.now)
            if record is not None:  # an unknown identifier is neither a record nor an error
                found = _answer(record, wanted.get("FeatureNames"), expiration)
                records.append({"FeatureGroupName": name, "RecordIdentifierValueAsString": identifier, **found})
    return {"Records": records, "Errors": errors, "UnprocessedIdentifiers": []}


@operation("DeleteRecord", FEATURESTORE_RUNTIME)
def delete_record(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    group, described = _group(call, body["FeatureGroupName"], RuntimeValidationError)
    if _targets_online(body.get("TargetStores"), described):
        definitions = {d["FeatureName"]: d["FeatureType"] for d in described["FeatureDefinitions"]}
        event_time = event_seconds(body["EventTime"], definitions[described["EventTimeFeatureName"]])
        hard = body.get("DeletionMode", "SoftDelete") == "HardDelete"
        store_of(group).delete(body["RecordIdentifierValueAsString"], event_time, hard, call.now)
    return {}
