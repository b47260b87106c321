"""A feature group's online store: the newest record per identifier, typed by the group's
feature definitions, expiring on the local clock.

The store lives in the group's record (`Record.data[ONLINE]`), so deleting the group drops its
records and a group created again under the same name starts empty, as in SageMaker. The rules
follow the Feature Store documentation:

- a record names each feature at most once, only features the group defines (once an update
  adding features has succeeded, those too), and always the record identifier and event time;
- values are strings typed by the definitions: Integral a 64-bit integer, Fractional a number,
  String anything; a collection feature (CollectionType List/Set/Vector) takes
  ValueAsStringList instead of ValueAsString;
- the event time is seconds since the epoch (Fractional) or ISO 8601 `yyyy-MM-ddTHH:mm:ssZ`
  with optional milliseconds (String);
- per identifier the newest event time wins: an older write leaves the online record as it is;
- a record expires TtlDuration after its event time (the request's TtlDuration, else the
  group's OnlineStoreConfig.TtlDuration); an expired record is not returned;
- a soft delete leaves a tombstone with the delete's event time (an older write stays
  hidden); a hard delete forgets the identifier.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .core import Record
from .errors import RuntimeValidationError

ONLINE = "online_store"
"""Key of a feature group record's data holding its `OnlineStore`."""
TTL_SECONDS = {"Seconds": 1, "Minutes": 60, "Hours": 3600, "Days": 86400, "Weeks": 604800}
INTEGRAL = re.compile(r"[+-]?\d+")
EVENT_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z")
INT64 = 2**63


@dataclass
class OnlineRecord:
    features: list[dict[str, Any]]
    event_time: float
    expires_at: float | None
    deleted: bool = False

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def live(self, now: float) -> bool:
        return not self.deleted and not self.expired(now)


class OnlineStore:
    """The online records of one feature group, by record identifier."""

    def __init__(self) -> None:
        self.records: dict[str, OnlineRecord] = {}

    def _current(self, identifier: str, now: float) -> OnlineRecord | None:
        """The record or tombstone kept for `identifier`; an expired record is gone (SageMaker
        hard-deletes it), so an older write may follow it."""
        record = self.records.get(identifier)
        if record is not None and record.expired(now):
            del self.records[identifier]
            return None
        return record

    def get(self, identifier: str, now: float) -> OnlineRecord | None:
        record = self._current(identifier, now)
        return record if record is not None and not record.deleted else None

    def put(self, identifier: str, record: OnlineRecord, now: float) -> bool:
        """Store `record` unless a newer one (or a newer delete) is there; returns whether it was stored."""
        current = self._current(identifier, now)
        if current is not None and current.event_time > record.event_time:
            return False
        self.records[identifier] = record
        return True

    def delete(self, identifier: str, event_time: float, hard: bool, now: float) -> None:
        current = self._current(identifier, now)
        if current is not None and current.event_time > event_time:
            return  # a delete older than the record it names does not remove it
        if hard:
            self.records.pop(identifier, None)
        else:
            self.records[identifier] = OnlineRecord([], event_time, None, deleted=True)

    def size_bytes(self, now: float) -> int:
        """OnlineStoreTotalSizeBytes: what the live records take, as their JSON."""
        return sum(len(json.dumps(r.features)) for r in self.records.values() if r.live(now))


def store_of(group: Record) -> OnlineStore:
    store = group.data.get(ONLINE)
    if store is None:
        store = group.data[ONLINE] = OnlineStore()
    return store


def event_seconds(value: str, feature_type: str | None) -> float:
    """An event time as seconds since the epoch, read as its feature type says."""
    if feature_type == "Fractional":
        try:
            return float(value)
        except ValueError:
            pass
    elif EVENT_TIME.fullmatch(value):
        stamp = value[:-1] + ("" if "." in value else ".000")
        return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC).timestamp()
    raise RuntimeValidationError(
        f"Invalid event time {value!r}: a Fractional event time is seconds since the epoch, a String one "
        "ISO 8601 yyyy-MM-dd'T'HH:mm:ssZ or yyyy-MM-dd'T'HH:mm:ss.SSSZ."
    )


def iso(seconds: float) -> str:
    """ExpiresAt as the service writes it: ISO 8601 in UTC, to the millisecond."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def ttl_seconds(ttl: dict[str, Any] | None) -> float | None:
    if not ttl:
        return None
    return float(ttl["Value"]) * TTL_SECONDS[ttl["Unit"]]


def _check_value(name: str, value: str, feature_type: str) -> None:
    if feature_type == "Integral":
        if not INTEGRAL.fullmatch(value) or not -INT64 <= int(value) < INT64:
            raise RuntimeValidationError(
                f"Value {value!r} of feature {name} is not a valid Integral (a 64-bit integer)."
            )
    elif feature_type == "Fractional":
        try:
            float(value)
        except ValueError:
            raise RuntimeValidationError(f"Value {value!r} of feature {name} is not a valid Fractional.") from None


def checked_record(features: list[dict[str, Any]], group: dict[str, Any]) -> tuple[str, float]:
    """Validate a record against the group's definitions (`group`: its describe answer); returns
    its identifier value and event time in seconds."""
    definitions = {d["FeatureName"]: d for d in group["FeatureDefinitions"]}
    seen: set[str] = set()
    values: dict[str, str] = {}
    for feature in features:
        name = feature["FeatureName"]
        if name in seen:
            raise RuntimeValidationError(f"Feature {name} appears more than once in the record.")
        seen.add(name)
        definition = definitions.get(name)
        if definition is None:
            raise RuntimeValidationError(f"Feature {name} is not defined in FeatureGroup {group['FeatureGroupName']}.")
        collection = definition.get("CollectionType")
        if ("ValueAsString" in feature) == ("ValueAsStringList" in feature):
            raise RuntimeValidationError(
                f"Feature {name} must have exactly one of ValueAsString and ValueAsStringList."
            )
        if collection and "ValueAsStringList" not in feature:
            raise RuntimeValidationError(f"Feature {name} is a {collection} feature: use ValueAsStringList.")
        if not collection and "ValueAsString" not in feature:
            raise RuntimeValidationError(f"Feature {name} is not a collection feature: use ValueAsString.")
        for value in feature.get("ValueAsStringList") or [feature.get("ValueAsString")]:
            _check_value(name, str(value), definition["FeatureType"])
        if "ValueAsString" in feature:
            values[name] = feature["ValueAsString"]
    for role in ("RecordIdentifierFeatureName", "EventTimeFeatureName"):
        if group[role] not in values:
            name = group["FeatureGroupName"]
            raise RuntimeValidationError(f"The record must contain the feature {group[role]} ({role} of {name}).")
    event_type = definitions[group["EventTimeFeatureName"]]["FeatureType"]
    return values[group["RecordIdentifierFeatureName"]], event_seconds(
        values[group["EventTimeFeatureName"]], event_type
    )
