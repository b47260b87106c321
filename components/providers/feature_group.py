"""The FeatureGroup dynamic provider: feature groups that grow in place and keep their data.

pulumi-aws replaces a feature group when a feature is added, destroying its records. Here:
- appended features, the online store's TTL and the throughput mode change in place
  (UpdateFeatureGroup, one kind of change at a time, each waited for until Successful);
- removing or retyping a feature is impossible in SageMaker, and any change of an identity
  field (name, record identifier, event time, stores other than TTL, role, description) needs a
  new group: check refuses both, naming the fields and saying that the records would be lost,
  unless `allow_replace=True` (the documented opt-in that destroys the data);
- a group that ends CreateFailed is deleted before the error is raised;
- read reports the live features (as `features`), so a feature added outside shows as drift,
  and the next `up` says it must be added to the program.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
import pulumi.dynamic
from pydantic import Field

from components.core.errors import SageMakerOperationError, calling
from components.core.provider import REGION_KEY, Lifecycle, SageMakerProvider, StrictModel
from components.core.resource import SageMakerResource
from components.core.service_model import Violation
from components.core.tags import sync_tags, tag_list, tag_violations
from components.core.unknowns import contains_unknown, is_unknown
from components.core.waiter import WaitFailed, WaitSpec, WaitTimedOut, field_at

KIND = "FeatureGroup"
RESERVED = ("is_deleted", "write_time", "api_invocation_time")
IN_PLACE = ("features", "online_store", "throughput", "tags")
DATA_LOSS = "replacing a feature group deletes all of its records; set allow_replace=True to accept that"

CREATED = WaitSpec(
    operation="DescribeFeatureGroup",
    status_field="FeatureGroupStatus",
    success=frozenset({"Created"}),
    failure=frozenset({"CreateFailed"}),
)
UPDATED = WaitSpec(
    operation="DescribeFeatureGroup",
    status_field="LastUpdateStatus.Status",
    success=frozenset({"Successful"}),
    failure=frozenset({"Failed"}),
)
UPDATE_SETTLED = WaitSpec(
    operation="DescribeFeatureGroup",
    status_field="LastUpdateStatus.Status",
    success=frozenset({"Successful", "Failed"}),
)
"""No update in progress, whatever the last one's outcome."""
SETTLED = WaitSpec(
    operation="DescribeFeatureGroup",
    status_field="FeatureGroupStatus",
    success=frozenset({"Created", "CreateFailed", "Deleting", "DeleteFailed"}),
    gone_is_success=True,
)
"""Anything but Creating: delete waits for a group that is still being created."""
GONE = WaitSpec(
    operation="DescribeFeatureGroup",
    status_field="FeatureGroupStatus",
    success=frozenset(),
    failure=frozenset({"DeleteFailed"}),
    gone_is_success=True,
)


def _applied(change: dict[str, Any], group: dict[str, Any]) -> bool:
    """Whether one UpdateFeatureGroup change is already live in `group` (a DescribeFeatureGroup)."""
    if "FeatureAdditions" in change:
        return {f["FeatureName"] for f in change["FeatureAdditions"]} <= set(
            _names(group.get("FeatureDefinitions") or [])
        )
    if "OnlineStoreConfig" in change:
        live = (group.get("OnlineStoreConfig") or {}).get("TtlDuration")
        return live == change["OnlineStoreConfig"]["TtlDuration"]
    live_throughput = group.get("ThroughputConfig") or {}
    return all(live_throughput.get(key) == value for key, value in change["ThroughputConfig"].items())


class FeatureGroupInputs(StrictModel):
    """What the FeatureGroup provider takes (API-shaped values under readable names)."""

    feature_group_name: str = ""
    record_identifier: str = ""
    event_time: str = ""
    features: list[dict[str, Any]] = Field(default_factory=list)
    online_store: dict[str, Any] | None = None
    offline_store: dict[str, Any] | None = None
    throughput: dict[str, Any] | None = None
    role_arn: str | None = None
    description: str | None = None
    request: dict[str, Any] = Field(default_factory=dict)
    """Other CreateFeatureGroup members, validated like the rest (an escape hatch)."""
    tags: dict[str, str] = Field(default_factory=dict)
    allow_replace: bool = False
    create_timeout_seconds: int = Field(default=1800, ge=60)
    """InMemory online stores take 10-15 minutes to create."""
    update_timeout_seconds: int = Field(default=900, ge=60)


def _ttl_only(old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    """True if two online store configs differ at most in their TTL (updatable in place)."""
    strip = lambda config: {k: v for k, v in (config or {}).items() if k != "TtlDuration"}  # noqa: E731
    return bool(old) and bool(new) and strip(old) == strip(new)


def _names(features: list[dict[str, Any]]) -> list[str]:
    return [feature.get("FeatureName", "?") for feature in features]


def replacing_changes(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, str]:
    """Input -> why it cannot change in place (empty: everything can)."""
    why: dict[str, str] = {}
    for field in (
        "feature_group_name",
        "record_identifier",
        "event_time",
        "offline_store",
        "role_arn",
        "description",
        "request",
    ):
        if field in olds and not is_unknown(news.get(field)) and olds.get(field) != news.get(field):
            why[field] = "is part of the feature group's identity"
    old_features, new_features = olds.get("features") or [], news.get("features") or []
    if not contains_unknown(new_features) and new_features[: len(old_features)] != old_features:
        kept = {f.get("FeatureName"): f for f in new_features}
        gone = [f.get("FeatureName") for f in old_features if f.get("FeatureName") not in kept]
        retyped = [n for n in _names(old_features) if n in kept and kept[n] not in old_features]
        parts = ([f"removes {gone}"] if gone else []) + ([f"retypes {retyped}"] if retyped else [])
        what = "; ".join(parts)
        why["features"] = f"{what or 'reorders features'}: SageMaker cannot remove or change a feature"
    old_online, new_online = olds.get("online_store"), news.get("online_store")
    if not contains_unknown(new_online) and old_online != new_online and not _ttl_only(old_online, new_online):
        why["online_store"] = "only the online store's TTL can change in place"
    return why


def group_outputs(group: dict[str, Any]) -> dict[str, Any]:
    offline = group.get("OfflineStoreConfig") or {}
    catalog = offline.get("DataCatalogConfig") or {}
    return {
        "arn": group["FeatureGroupArn"],
        "status": group["FeatureGroupStatus"],
        "offline_store_status": (group.get("OfflineStoreStatus") or {}).get("Status"),
        "offline_store_resolved_s3_uri": (offline.get("S3StorageConfig") or {}).get("ResolvedOutputS3Uri"),
        "glue_table": f"{catalog['Database']}.{catalog['TableName']}" if catalog else None,
        "features": group.get("FeatureDefinitions") or [],
        "failure_reason": group.get("FailureReason"),
    }


class FeatureGroupProvider(SageMakerProvider):
    """Creates, grows in place, refreshes and deletes SageMaker feature groups."""

    kind = KIND
    inputs_model = FeatureGroupInputs
    request_operation = "CreateFeatureGroup"
    request_set_by_provider: ClassVar[dict[str, Any]] = {"Tags": []}
    inputs_as_members: ClassVar[dict[str, str]] = {
        "feature_group_name": "FeatureGroupName",
        "record_identifier": "RecordIdentifierFeatureName",
        "event_time": "EventTimeFeatureName",
        "features": "FeatureDefinitions",
        "online_store": "OnlineStoreConfig",
        "offline_store": "OfflineStoreConfig",
        "throughput": "ThroughputConfig",
        "role_arn": "RoleArn",
        "description": "Description",
    }
    lifecycle = Lifecycle(describe="DescribeFeatureGroup", key="FeatureGroupName", not_found=("ResourceNotFound", ""))
    update_on = IN_PLACE

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        result = super().check(olds, news)
        if olds and not news.get("allow_replace"):
            for field, reason in replacing_changes(olds, result.inputs).items():
                result.failures.append(pulumi.dynamic.CheckFailure(field, f"{reason}; {DATA_LOSS}"))
        return result

    def rules(self, inputs: dict[str, Any]) -> list[Violation]:
        features = inputs.get("features") or []
        violations = tag_violations(inputs.get("tags") or {})
        if contains_unknown(features):
            return violations
        names = _names(features)
        if duplicates := sorted({n for n in names if names.count(n) > 1}):
            violations.append(Violation("features", f"feature names must be unique: {duplicates}"))
        for index, feature in enumerate(features):
            where = f"features[{index}]"
            if feature.get("FeatureName", "").lower() in RESERVED:
                violations.append(
                    Violation(f"{where}.FeatureName", f"{feature['FeatureName']!r} is reserved by Feature Store")
                )
            if feature.get("CollectionType") == "Vector":
                if feature.get("FeatureType") != "Fractional":
                    violations.append(Violation(f"{where}.FeatureType", "a Vector collection must be Fractional"))
                if not (feature.get("CollectionConfig") or {}).get("VectorConfig"):
                    violations.append(Violation(f"{where}.CollectionConfig", "a Vector collection needs a dimension"))
            elif feature.get("CollectionConfig"):
                violations.append(Violation(f"{where}.CollectionConfig", "only Vector collections take a config"))
        types = {feature.get("FeatureName"): feature.get("FeatureType") for feature in features}
        for field in ("record_identifier", "event_time"):
            if not is_unknown(inputs.get(field)) and inputs.get(field) not in types:
                violations.append(Violation(field, f"{inputs.get(field)!r} must be one of the features: {names}"))
        if types.get(inputs.get("event_time")) not in (None, "String", "Fractional"):
            violations.append(Violation("event_time", "the event time feature must be String or Fractional"))
        online, offline = inputs.get("online_store"), inputs.get("offline_store")
        if not online and not offline:
            violations.append(
                Violation("online_store", "a feature group needs an online store, an offline store, or both")
            )
        if any(f.get("CollectionType") for f in features) and (online or {}).get("StorageType") != "InMemory":
            violations.append(Violation("features", "collection types need an InMemory online store"))
        if offline and not inputs.get("role_arn"):
            violations.append(Violation("role_arn", "an offline store needs a role that can write to its S3 location"))
        throughput = inputs.get("throughput") or {}
        units = [throughput.get(k) for k in ("ProvisionedReadCapacityUnits", "ProvisionedWriteCapacityUnits")]
        if throughput.get("ThroughputMode") == "Provisioned" and None in units:
            violations.append(Violation("throughput", "Provisioned throughput needs read and write capacity units"))
        if throughput.get("ThroughputMode") == "OnDemand" and any(u is not None for u in units):
            violations.append(Violation("throughput", "OnDemand throughput takes no capacity units"))
        return violations

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        result = super().diff(id_, olds, news)
        replaces = list(replacing_changes(olds, news)) if news.get("allow_replace") else []
        if moved := self.moved_region(olds):
            if not news.get("allow_replace"):
                raise SageMakerOperationError(
                    KIND,
                    id_,
                    "diff",
                    f"the group lives in another region than the stack now targets ({moved}); "
                    f"moving it means a new group there: {DATA_LOSS}",
                    hint="Or set the stack's aws:region back to where the group lives.",
                )
            replaces.append(REGION_KEY)
        same_name = olds.get("feature_group_name") == news.get("feature_group_name")
        return pulumi.dynamic.DiffResult(
            changes=result.changes, replaces=replaces, delete_before_replace=bool(replaces) and same_name
        )

    def _wait(self, name: str, spec: WaitSpec, timeout: float) -> dict[str, Any] | None:
        try:
            return self.settle(name, spec, timeout)
        except WaitTimedOut:
            raise SageMakerOperationError(KIND, name, f"wait for {spec.status_field}", "timed out") from None

    def create_resource(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name = inputs["feature_group_name"]
        if self.live(name) is None:
            try:
                with calling(KIND, name, "CreateFeatureGroup"):
                    self.sagemaker.create_feature_group(
                        **self.full_request(inputs), Tags=tag_list(inputs.get("tags") or {})
                    )
            except SageMakerOperationError as error:
                if error.code != "ResourceInUse":  # else: a retry whose first response was lost
                    raise
        try:
            group = self._wait(name, CREATED, inputs["create_timeout_seconds"])
        except WaitFailed as failed:
            self.delete_resource(name, inputs)
            raise SageMakerOperationError(
                KIND,
                name,
                "CreateFeatureGroup",
                "the group ended CreateFailed and was deleted",
                failure_reason=failed.state.get("FailureReason"),
            ) from None
        assert group is not None
        return name, group_outputs(group)

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        group = self.live(id_)
        return group_outputs(group) if group is not None else None

    def update_resource(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        live = self._settled(id_, news["update_timeout_seconds"])
        live_features, wanted = live.get("FeatureDefinitions") or [], news.get("features") or []
        if outside := [n for n in _names(live_features) if n not in _names(wanted)]:
            raise SageMakerOperationError(
                KIND,
                id_,
                "UpdateFeatureGroup",
                f"features {outside} exist in SageMaker but not in the program (added outside Pulumi?)",
                hint="Features cannot be removed: add them to the program.",
            )
        changes: list[dict[str, Any]] = []
        if additions := [f for f in wanted if f.get("FeatureName") not in _names(live_features)]:
            changes.append({"FeatureAdditions": additions})
        old_ttl = (olds.get("online_store") or {}).get("TtlDuration")
        new_ttl = (news.get("online_store") or {}).get("TtlDuration")
        if new_ttl != old_ttl and new_ttl is not None:
            changes.append({"OnlineStoreConfig": {"TtlDuration": new_ttl}})
        if news.get("throughput") != olds.get("throughput") and news.get("throughput"):
            changes.append({"ThroughputConfig": news["throughput"]})
        timeout = float(news["update_timeout_seconds"])
        for change in changes:  # SageMaker takes one kind of change per call
            sent = self.change(
                id_,
                "UpdateFeatureGroup",
                lambda change=change: self.sagemaker.update_feature_group(FeatureGroupName=id_, **change),
                applied=lambda live, change=change: _applied(change, live),
                settle=lambda: self._settled(id_, timeout),
            )
            if not sent:
                continue
            try:
                self._wait(id_, UPDATED, timeout)
            except WaitFailed as failed:
                reason = (failed.state.get("LastUpdateStatus") or {}).get("FailureReason")
                raise SageMakerOperationError(
                    KIND, id_, "UpdateFeatureGroup", f"{next(iter(change))} failed", failure_reason=reason
                ) from None
        sync_tags(
            self.sagemaker, KIND, id_, live["FeatureGroupArn"], old=olds.get("tags") or {}, new=news.get("tags") or {}
        )
        group = self.live(id_)
        assert group is not None
        return group_outputs(group)

    def _settled(self, name: str, timeout: float) -> dict[str, Any]:
        """The group once no update is in progress (an earlier `up`'s, or ours whose answer was lost)."""
        group = self.live(name)
        if group is not None and field_at(group, "LastUpdateStatus.Status") == "InProgress":
            group = self._wait(name, UPDATE_SETTLED, timeout)
        if group is None:
            raise self.gone(name, "update")
        return group

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        group = self.live(id_)
        if group is not None and group["FeatureGroupStatus"] == "Creating":
            group = self._wait(id_, SETTLED, 1800)
        if group is None:
            return
        if group["FeatureGroupStatus"] != "Deleting":
            with calling(KIND, id_, "DeleteFeatureGroup"):
                self.sagemaker.delete_feature_group(FeatureGroupName=id_)
        try:
            self._wait(id_, GONE, 1800)
        except WaitFailed as failed:
            raise SageMakerOperationError(
                KIND,
                id_,
                "DeleteFeatureGroup",
                "the group ended DeleteFailed",
                failure_reason=failed.state.get("FailureReason"),
            ) from None


OUTPUTS = ("arn", "status", "offline_store_status", "offline_store_resolved_s3_uri", "glue_table")


class FeatureGroupResource(SageMakerResource, module="sagemaker", name="FeatureGroup"):
    """The dynamic resource (`pulumi-python:dynamic/sagemaker:FeatureGroup`); use `components.FeatureGroup`."""

    provider_class = FeatureGroupProvider
    output_names = OUTPUTS

    arn: pulumi.Output[str]
    feature_group_name: pulumi.Output[str]
    status: pulumi.Output[str]
    offline_store_status: pulumi.Output[str | None]
    offline_store_resolved_s3_uri: pulumi.Output[str | None]
    glue_table: pulumi.Output[str | None]
