"""Feature groups: Creating -> Created (or CreateFailed), in-place updates through
LastUpdateStatus InProgress -> Successful, and Deleting -> gone.

moto answers CreateFeatureGroup without an offline store with a 500 and has no update or
delete; this covers all of it. Added features appear once the update has succeeded. The online
store's records (`online_store`, written through `feature_store`) live in the group's record.
"""

from __future__ import annotations

from typing import Any

from .core import Call, Record, echo, listing, operation, tag_map
from .errors import ResourceInUse, ResourceNotFound, ValidationError
from .online_store import store_of

KIND = "feature_group"
RESERVED = ("is_deleted", "write_time", "api_invocation_time")
MAX_FEATURES = 2500


def _find(call: Call, name: str) -> Record:
    record = call.store.find(KIND, name.rsplit("/", 1)[-1], call.now)
    if record is None:
        raise ResourceNotFound(f"Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name {name}")
    return record


def _check_definitions(definitions: list[dict[str, Any]]) -> None:
    names = [feature["FeatureName"] for feature in definitions]
    if len(names) > MAX_FEATURES:
        raise ValidationError(f"A feature group can have at most {MAX_FEATURES} features.")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValidationError(f"Feature names must be unique: {', '.join(duplicates)}.")
    reserved = sorted(n for n in names if n.lower() in RESERVED)
    if reserved:
        raise ValidationError(f"Feature names {', '.join(reserved)} are reserved by Feature Store.")


@operation("CreateFeatureGroup")
def create(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    name = body["FeatureGroupName"]
    if call.store.find(KIND, name, call.now) is not None:
        raise ResourceInUse(
            f"Resource Already Exists: FeatureGroup with name {name} already exists. Choose a different name."
        )
    definitions = body["FeatureDefinitions"]
    _check_definitions(definitions)
    types = {feature["FeatureName"]: feature.get("FeatureType") for feature in definitions}
    for field in ("RecordIdentifierFeatureName", "EventTimeFeatureName"):
        if body[field] not in types:
            raise ValidationError(f"{field} {body[field]} must be one of the FeatureDefinitions.")
    if types[body["EventTimeFeatureName"]] not in ("String", "Fractional"):
        raise ValidationError("The event time feature must be of type String or Fractional.")
    if not body.get("OnlineStoreConfig") and not body.get("OfflineStoreConfig"):
        raise ValidationError("At least one of OnlineStoreConfig and OfflineStoreConfig must be specified.")
    if body.get("OfflineStoreConfig") and not body.get("RoleArn"):
        raise ValidationError("RoleArn is required when OfflineStoreConfig is specified.")
    record = Record(KIND, name, call.arn(f"feature-group/{name.lower()}"), call.now, body)
    record.tags = tag_map(body.get("Tags"))
    schema = {
        "FeatureDefinitions": definitions,
        "OnlineStoreConfig": body.get("OnlineStoreConfig"),
        "ThroughputConfig": body.get("ThroughputConfig") or {"ThroughputMode": "OnDemand"},
    }
    reason = call.faults.take_failure(KIND, name)
    last: dict[str, Any]
    if reason is not None:
        last = {"FeatureGroupStatus": "CreateFailed", "FailureReason": reason}
    else:
        last = {"FeatureGroupStatus": "Created"}
        if body.get("OfflineStoreConfig"):
            last["OfflineStoreStatus"] = {"Status": "Active"}
    record.timeline.plan(
        call.now,
        [({"FeatureGroupStatus": "Creating", **schema}, call.durations.feature_group.creating), (last, None)],
    )
    call.store.add(record)
    return {"FeatureGroupArn": record.arn}


def _offline_store(call: Call, record: Record) -> dict[str, Any] | None:
    """The offline store config as Describe reports it: resolved S3 URI and Glue table."""
    config = record.request.get("OfflineStoreConfig")
    if not config:
        return None
    config = {**config, "S3StorageConfig": dict(config["S3StorageConfig"])}
    stamp = int(record.created)
    config["S3StorageConfig"]["ResolvedOutputS3Uri"] = (
        f"{config['S3StorageConfig']['S3Uri'].rstrip('/')}/{call.account}/sagemaker/{call.region}"
        f"/offline-store/{record.name}-{stamp}/data"
    )
    if not config.get("DisableGlueTableCreation") and "DataCatalogConfig" not in config:
        config["DataCatalogConfig"] = {
            "TableName": f"{record.name.lower().replace('-', '_')}_{stamp}",
            "Catalog": "AwsDataCatalog",
            "Database": "sagemaker_featurestore",
        }
    return config


def describe_record(call: Call, record: Record) -> dict[str, Any]:
    state = record.state(call.now)
    answer = echo(record.request, "DescribeFeatureGroup") | {
        "FeatureGroupArn": record.arn,
        "FeatureGroupName": record.name,
        "FeatureGroupStatus": state["FeatureGroupStatus"],
        "FeatureDefinitions": state["FeatureDefinitions"],
        "CreationTime": record.created,
        "LastModifiedTime": record.timeline.transitions("FeatureGroupStatus", call.now)[-1][1],
        "ThroughputConfig": {
            key: value
            for key, value in state["ThroughputConfig"].items()
            if key in ("ThroughputMode", "ProvisionedReadCapacityUnits", "ProvisionedWriteCapacityUnits")
        },
    }
    answer.pop("Tags", None)
    if state.get("OnlineStoreConfig"):
        answer["OnlineStoreConfig"] = state["OnlineStoreConfig"]
    offline = _offline_store(call, record)
    if offline:
        answer["OfflineStoreConfig"] = offline
    for key in ("OfflineStoreStatus", "FailureReason", "LastUpdateStatus"):
        if state.get(key):
            answer[key] = state[key]
    if (answer.get("OnlineStoreConfig") or {}).get("EnableOnlineStore"):
        answer["OnlineStoreTotalSizeBytes"] = store_of(record).size_bytes(call.now)
    return answer


@operation("DescribeFeatureGroup")
def describe(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return describe_record(call, _find(call, body["FeatureGroupName"]))


@operation("UpdateFeatureGroup")
def update(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find(call, body["FeatureGroupName"])
    state = record.state(call.now)
    if state["FeatureGroupStatus"] != "Created":
        raise ValidationError(
            f"FeatureGroup {record.name} is in status {state['FeatureGroupStatus']}; it can be updated "
            "only when Created."
        )
    if (state.get("LastUpdateStatus") or {}).get("Status") == "InProgress":
        raise ResourceInUse(f"An update of FeatureGroup {record.name} is already in progress.")
    changes: dict[str, Any] = {}
    if additions := body.get("FeatureAdditions"):
        definitions = state["FeatureDefinitions"] + additions
        _check_definitions(definitions)
        changes["FeatureDefinitions"] = definitions
    if online := body.get("OnlineStoreConfig"):
        if not state.get("OnlineStoreConfig"):
            raise ValidationError(f"FeatureGroup {record.name} has no online store to update.")
        changes["OnlineStoreConfig"] = {**state["OnlineStoreConfig"], **online}
    if throughput := body.get("ThroughputConfig"):
        changes["ThroughputConfig"] = throughput
    record.timeline.plan(
        call.now,
        [
            ({"LastUpdateStatus": {"Status": "InProgress"}}, call.durations.feature_group.updating),
            ({"LastUpdateStatus": {"Status": "Successful"}, **changes}, None),
        ],
    )
    return {"FeatureGroupArn": record.arn}


@operation("DeleteFeatureGroup")
def delete(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find(call, body["FeatureGroupName"])
    record.delete(call.now, {"FeatureGroupStatus": "Deleting"}, call.durations.feature_group.deleting)
    return {}


@operation("ListFeatureGroups")
def list_groups(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return listing(
        call.store.all(KIND, call.now),
        body,
        "FeatureGroupSummaries",
        lambda record: describe_record(call, record),
        ("FeatureGroupName", "FeatureGroupArn", "CreationTime", "FeatureGroupStatus", "OfflineStoreStatus"),
        sort_fields={
            "Name": "FeatureGroupName",
            "CreationTime": "CreationTime",
            "FeatureGroupStatus": "FeatureGroupStatus",
        },
        status_field=("FeatureGroupStatusEquals", "FeatureGroupStatus"),
    )
