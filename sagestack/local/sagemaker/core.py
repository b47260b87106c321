"""The machinery every emulated SageMaker resource shares: timelines, records, the store,
the per-request context, the operation registry (one table per SageMaker service: the control
plane and the two runtime APIs), and the service-model helpers."""

from __future__ import annotations

import base64
import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import botocore.session
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

from sagestack.local.control import ControlState, Durations, Faults

from .errors import RuntimeValidationError, ValidationError

GONE = "__gone__"
"""State field a timeline sets when the resource has finished deleting."""

Phase = tuple[dict[str, Any], float | None]
"""Fields a resource takes on, and for how many seconds (None: until something else happens)."""


class Timeline:
    """When a resource takes on which status fields.

    Its state at a moment is every step up to that moment merged in order, so a describe at any
    time answers what SageMaker would have said then, with no background thread. Stopping,
    updating or deleting re-plans the future from "now", which keeps the past intact.
    """

    def __init__(self) -> None:
        self._steps: list[tuple[float, dict[str, Any]]] = []

    def plan(self, start: float, phases: Sequence[Phase]) -> None:
        """Drop every step after `start`, then lay the phases out one after another from it."""
        self._steps = [step for step in self._steps if step[0] <= start]
        at = start
        for fields, seconds in phases:
            self._steps.append((at, fields))
            if seconds is None:
                break
            at += seconds

    def state(self, now: float) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for at, fields in self._steps:
            if at > now:
                break
            merged.update(fields)
        return merged

    def transitions(self, key: str, now: float) -> list[tuple[Any, float, float | None]]:
        """Each value `key` took up to `now`: (value, start, end or None while current)."""
        changes: list[tuple[Any, float]] = []
        for at, fields in self._steps:
            if at > now:
                break
            if key in fields and (not changes or changes[-1][0] != fields[key]):
                changes.append((fields[key], at))
        return [
            (value, start, changes[i + 1][1] if i + 1 < len(changes) else None)
            for i, (value, start) in enumerate(changes)
        ]

    def first_time(self, key: str, values: Iterable[Any], now: float) -> float | None:
        wanted = set(values)
        for at, fields in self._steps:
            if at > now:
                break
            if fields.get(key) in wanted:
                return at
        return None


@dataclass
class Record:
    """One emulated resource: its create request, its timeline and its tags."""

    kind: str
    name: str
    arn: str
    created: float
    request: dict[str, Any]
    timeline: Timeline = field(default_factory=Timeline)
    tags: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    """Kind-specific facts that are not status (an endpoint's current config, a package version)."""

    def state(self, now: float) -> dict[str, Any]:
        return self.timeline.state(now)

    def exists(self, now: float) -> bool:
        return not self.state(now).get(GONE)

    def delete(self, now: float, deleting: dict[str, Any] | None = None, seconds: float = 0.0) -> None:
        """Go away at once, or first show `deleting` (e.g. {"EndpointStatus": "Deleting"}) for `seconds`."""
        self.timeline.plan(now, ([(deleting, seconds)] if deleting else []) + [({GONE: True}, None)])


class Store:
    """All resources of one account and region, by kind and lower-cased name."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, Record]] = {}

    def find(self, kind: str, name: str, now: float) -> Record | None:
        table = self._tables.setdefault(kind, {})
        record = table.get(name.lower())
        if record is not None and not record.exists(now):
            del table[name.lower()]
            return None
        return record

    def add(self, record: Record) -> None:
        self._tables.setdefault(record.kind, {})[record.name.lower()] = record

    def all(self, kind: str, now: float) -> list[Record]:
        return [r for r in list(self._tables.get(kind, {}).values()) if r.exists(now)]

    def by_arn(self, arn: str, now: float) -> Record | None:
        for table in self._tables.values():
            for record in table.values():
                if record.arn == arn and record.exists(now):
                    return record
        return None


@dataclass
class Call:
    """What a handler needs to answer one request."""

    account: str
    region: str
    now: float
    store: Store
    control: ControlState

    @property
    def durations(self) -> Durations:
        return self.control.durations

    @property
    def faults(self) -> Faults:
        return self.control.faults

    def arn(self, resource: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:{resource}"


Handler = Callable[[Call, dict[str, Any]], dict[str, Any]]

SAGEMAKER = "sagemaker"
RUNTIME = "sagemaker-runtime"
FEATURESTORE_RUNTIME = "sagemaker-featurestore-runtime"
SERVICES = (SAGEMAKER, RUNTIME, FEATURESTORE_RUNTIME)
"""botocore's names of the SageMaker services the layer answers. All three sign as `sagemaker`."""

SERVICE_OPERATIONS: dict[str, dict[str, Handler]] = {service: {} for service in SERVICES}
OPERATIONS = SERVICE_OPERATIONS[SAGEMAKER]
"""The control-plane operations the layer answers (what `GET /_sagestack/health` lists)."""
LOCK = threading.RLock()
"""One lock for the whole layer: requests are tiny, and it keeps read-modify-write honest."""
SELF_LOCKING: set[tuple[str, str]] = set()
"""(service, operation) whose handlers take LOCK themselves, around their store work only: an
invocation runs a test's model, which may take its time or call the local AWS back."""


def operation(name: str, service: str = SAGEMAKER, *, locked: bool = True) -> Callable[[Handler], Handler]:
    """Register a handler for the operation `name` of `service` (checked against the API model);
    `locked=False`: the handler takes LOCK itself (see SELF_LOCKING)."""

    def register(handler: Handler) -> Handler:
        if name not in operation_names(service):
            raise AssertionError(f"{name} is not a {service} operation")
        SERVICE_OPERATIONS[service][name] = handler
        if not locked:
            SELF_LOCKING.add((service, name))
        return handler

    return register


@functools.cache
def service_model(service: str = SAGEMAKER) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


@functools.cache
def operation_names(service: str = SAGEMAKER) -> frozenset[str]:
    return frozenset(cast(list[str], service_model(service).operation_names))


def output_shape(operation_name: str, service: str = SAGEMAKER) -> Shape | None:
    """An operation's output shape (botocore types it as a cached property, hence the cast)."""
    return cast(Shape | None, service_model(service).operation_model(operation_name).output_shape)


def element(shape: ListShape) -> Shape:
    return cast(Shape, shape.member)


def map_value(shape: MapShape) -> Shape:
    return cast(Shape, shape.value)


def output_members(operation_name: str, service: str = SAGEMAKER) -> dict[str, Shape]:
    """The top-level members of an operation's output shape (none for an operation without output)."""
    output = output_shape(operation_name, service)
    return cast(dict[str, Shape], output.members) if isinstance(output, StructureShape) else {}


def always(operation_name: str, **defaults: Any) -> dict[str, Any]:
    """Members the service returns in every answer of `operation_name`, with the value it answers
    when the request did not set them (EnableNetworkIsolation: False). Checked against the output
    shape when the module loads: botocore drops a member it does not know without a word."""
    unknown = sorted(set(defaults) - set(output_members(operation_name)))
    if unknown:
        raise AssertionError(f"{operation_name} answers no {', '.join(unknown)}")
    return defaults


def normalized(value: Any, shape: Shape | None) -> Any:
    """An answer as SageMaker serializes it: timestamps at millisecond precision (the service's
    own; the clock has microseconds), and members without a value left out rather than null."""
    if shape is None:
        return value
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        members = cast(dict[str, Shape], shape.members)
        return {key: normalized(item, members.get(key)) for key, item in value.items() if item is not None}
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [normalized(item, element(shape)) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: normalized(item, map_value(shape)) for key, item in value.items() if item is not None}
    if shape.type_name == "timestamp" and isinstance(value, int | float) and not isinstance(value, bool):
        return round(float(value), 3)
    return value


def echo(request: dict[str, Any], operation_name: str) -> dict[str, Any]:
    """The request fields that the operation's output shape also has: what a describe echoes."""
    members = output_members(operation_name)
    return {key: value for key, value in request.items() if key in members}


def check_required(operation_name: str, body: dict[str, Any], service: str = SAGEMAKER) -> None:
    """Refuse a request that lacks a required top-level member, as SageMaker does."""
    shape = cast(StructureShape | None, service_model(service).operation_model(operation_name).input_shape)
    metadata = cast(dict[str, Any], shape.metadata) if shape is not None else {}
    required: list[str] = metadata.get("required", [])
    error = ValidationError if service == SAGEMAKER else RuntimeValidationError
    for member in required:
        if member not in body:
            raise error(
                f"1 validation error detected: Value null at '{member[0].lower()}{member[1:]}' "
                "failed to satisfy constraint: Member must not be null"
            )


def tag_map(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag.get("Value", "") for tag in tags or []}


def paginate(items: list[dict[str, Any]], body: dict[str, Any], key: str, default_max: int = 10) -> dict[str, Any]:
    """One page of `items` under `key`, with a NextToken when more remain."""
    start = 0
    if token := body.get("NextToken"):
        try:
            start = int(base64.b64decode(token).decode())
        except ValueError as error:
            raise ValidationError("Invalid pagination token") from error
    size = int(body.get("MaxResults") or default_max)
    page: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        page["NextToken"] = base64.b64encode(str(start + size).encode()).decode()
    return page


def listing(
    records: list[Record],
    body: dict[str, Any],
    key: str,
    describe: Callable[[Record], dict[str, Any]],
    fields: Sequence[str],
    *,
    sort_fields: dict[str, str],
    status_field: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A List* answer: summaries (`fields` of each describe) filtered by NameContains, CreationTime
    bounds and a status, sorted and paged.

    `sort_fields` maps the API's SortBy values to summary keys ("Name" is also what NameContains
    matches); `status_field` is (request filter member, summary key).
    """
    rows = [{name: value for name, value in describe(r).items() if name in fields} for r in records]
    if needle := body.get("NameContains"):
        rows = [r for r in rows if needle.lower() in str(r.get(sort_fields["Name"], "")).lower()]
    if (after := body.get("CreationTimeAfter")) is not None:
        rows = [r for r in rows if r["CreationTime"] > float(after)]
    if (before := body.get("CreationTimeBefore")) is not None:
        rows = [r for r in rows if r["CreationTime"] < float(before)]
    if status_field and (wanted := body.get(status_field[0])):
        rows = [r for r in rows if r.get(status_field[1]) == wanted]
    sort_key = sort_fields.get(body.get("SortBy") or "CreationTime", "CreationTime")
    descending = body.get("SortOrder", "Descending") == "Descending"
    rows.sort(key=lambda r: r.get(sort_key) or "", reverse=descending)
    return paginate(rows, body, key)
