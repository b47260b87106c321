"""What the service model does not say about a feature group: cross-field rules of its
definition (Check), which changes SageMaker cannot make in place (Check and Diff), and the
UpdateFeatureGroup calls that make the others (one kind of change per call)."""

from __future__ import annotations

from typing import Any

from components.core.errors import SageMakerOperationError
from components.core.service_model import Violation
from components.core.unknowns import contains_unknown, is_unknown

RESERVED = ("is_deleted", "write_time", "api_invocation_time")
"""Feature names Feature Store adds to every offline record."""


def _ttl_only(old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    """True if two online store configs differ at most in their TTL (updatable in place)."""
    strip = lambda config: {k: v for k, v in (config or {}).items() if k != "TtlDuration"}  # noqa: E731
    return bool(old) and bool(new) and strip(old) == strip(new)


def feature_names(features: list[dict[str, Any]]) -> list[str]:
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
        retyped = [n for n in feature_names(old_features) if n in kept and kept[n] not in old_features]
        parts = ([f"removes {gone}"] if gone else []) + ([f"retypes {retyped}"] if retyped else [])
        what = "; ".join(parts)
        why["features"] = f"{what or 'reorders features'}: SageMaker cannot remove or change a feature"
    old_online, new_online = olds.get("online_store"), news.get("online_store")
    if not contains_unknown(new_online) and old_online != new_online and not _ttl_only(old_online, new_online):
        why["online_store"] = "only the online store's TTL can change in place"
    return why


def group_rules(inputs: dict[str, Any]) -> list[Violation]:
    """Cross-field rules of a feature group's definition that the service model does not state."""
    features = inputs.get("features") or []
    violations: list[Violation] = []
    if contains_unknown(features):
        return violations
    names = feature_names(features)
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
    if not (online or {}).get("EnableOnlineStore") and not offline:
        violations.append(
            Violation("online_store", "a feature group needs an enabled online store, an offline store, or both")
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


def update_calls(name: str, olds: dict[str, Any], news: dict[str, Any], live: dict[str, Any]) -> list[dict[str, Any]]:
    """The UpdateFeatureGroup calls (their arguments) from the old inputs to the new, one kind of
    change each; features the live group has but the program lacks are an error."""
    live_features, wanted = live.get("FeatureDefinitions") or [], news.get("features") or []
    if outside := [n for n in feature_names(live_features) if n not in feature_names(wanted)]:
        raise SageMakerOperationError(
            "FeatureGroup",
            name,
            "UpdateFeatureGroup",
            f"features {outside} exist in SageMaker but not in the program (added outside Pulumi?)",
            hint="Features cannot be removed: add them to the program.",
        )
    changes: list[dict[str, Any]] = []
    if additions := [f for f in wanted if f.get("FeatureName") not in feature_names(live_features)]:
        changes.append({"FeatureAdditions": additions})
    old_ttl = (olds.get("online_store") or {}).get("TtlDuration")
    new_ttl = (news.get("online_store") or {}).get("TtlDuration")
    if new_ttl != old_ttl and new_ttl is not None:
        changes.append({"OnlineStoreConfig": {"TtlDuration": new_ttl}})
    if news.get("throughput") != olds.get("throughput") and news.get("throughput"):
        changes.append({"ThroughputConfig": news["throughput"]})
    return changes


def applied(change: dict[str, Any], group: dict[str, Any]) -> bool:
    """Whether one UpdateFeatureGroup change is already live in `group` (a DescribeFeatureGroup)."""
    if "FeatureAdditions" in change:
        return {f["FeatureName"] for f in change["FeatureAdditions"]} <= set(
            feature_names(group.get("FeatureDefinitions") or [])
        )
    if "OnlineStoreConfig" in change:
        live = (group.get("OnlineStoreConfig") or {}).get("TtlDuration")
        return live == change["OnlineStoreConfig"]["TtlDuration"]
    live_throughput = group.get("ThroughputConfig") or {}
    return all(live_throughput.get(key) == value for key, value in change["ThroughputConfig"].items())
