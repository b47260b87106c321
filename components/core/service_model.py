"""Validate a SageMaker request against botocore's own service model.

botocore ships the SageMaker API model (`data/sagemaker/*/service-2.json`); its shapes carry the
`min`, `max`, `pattern`, `enum` and `required` constraints SageMaker enforces. botocore's client
validator checks only types, required members and minimums, so a too-long name or an unknown
instance type would otherwise reach AWS. This walks a request through the operation's input
shape, reports every violation with its path (`ResourceConfig.InstanceCount`), and normalizes
numbers on the way: Pulumi sends every number as a float, boto3 wants an int where the API does.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from re import Pattern
from typing import TYPE_CHECKING, Any, cast

from .unknowns import is_unknown

if TYPE_CHECKING:
    # Types only: botocore.model loads most of botocore (~35 ms), paid by the first validation
    # rather than by `import components`.
    from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape


@dataclass(frozen=True)
class Violation:
    """One broken constraint: where (a dotted path in the request) and why."""

    path: str
    reason: str


_LOAD_LOCK = threading.Lock()
"""The provider host checks resources from 4 threads at once: unlocked, each cold thread would
parse botocore's multi-megabyte SageMaker model itself (4 loads competing for the GIL)."""


@functools.cache
def sagemaker_model() -> ServiceModel:
    with _LOAD_LOCK:
        return _load_sagemaker_model()


@functools.cache
def _load_sagemaker_model() -> ServiceModel:
    import botocore.session  # noqa: PLC0415 - on first validation, not on `import components`

    return botocore.session.get_session().get_service_model("sagemaker")


def input_shape(operation: str) -> StructureShape:
    shape = cast("Shape | None", sagemaker_model().operation_model(operation).input_shape)
    assert shape is not None and shape.type_name == "structure", f"{operation} has no input shape"
    return cast("StructureShape", shape)


def shape_named(name: str) -> Shape:
    return sagemaker_model().shape_for(name)


JAVA_SURROGATE_PAIRS = {"\\uD800\\uDC00-\\uDBFF\\uDFFF": "\\U00010000-\\U0010FFFF"}
"""Java writes "any character beyond the BMP" as a range of UTF-16 surrogate pairs; Python
regexes match code points, so the same class is that range of code points."""


@functools.cache
def compiled_pattern(pattern: str) -> Pattern[str]:
    """A service-model pattern as a Python regex that means what SageMaker's (Java) one means.
    Most compile with `re`; the Unicode classes of free-text fields (`\\p{L}`, `\\p{Z}`, ...,
    on tag keys and values, metadata, descriptions) need the `regex` package, which knows them."""
    for java, python in JAVA_SURROGATE_PAIRS.items():
        pattern = pattern.replace(java, python)
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:
        import regex  # noqa: PLC0415 - loaded only for the few patterns `re` cannot read

        return cast("Pattern[str]", regex.compile(pattern, regex.DOTALL | regex.V0))


def _members(shape: StructureShape) -> dict[str, Shape]:
    return cast("dict[str, Shape]", shape.members)


def _metadata(shape: Shape) -> dict[str, Any]:
    return cast(dict[str, Any], shape.metadata)


def validate(value: Any, shape: Shape, path: str = "", *, quiet: bool = False) -> tuple[Any, list[Violation]]:
    """Check `value` against `shape`: returns the value with numbers normalized, and violations.

    Unknown values (a Pulumi preview's not-yet-known inputs) are accepted as they are. With
    `quiet`, no message shows the value itself: the values of free-form maps (environments,
    hyperparameters, metadata) are where secrets go, and Check's messages are printed in the clear.
    """
    if is_unknown(value):
        return value, []
    # botocore picks a shape class by its type name, so the name tells them apart without importing it.
    kind = shape.type_name
    if kind == "structure":
        return _structure(value, cast("StructureShape", shape), path, quiet)
    if kind == "list":
        return _list(value, cast("ListShape", shape), path, quiet)
    if kind == "map":
        return _map(value, cast("MapShape", shape), path)
    return _scalar(value, shape, path, quiet)


def _where(path: str) -> str:
    return path or "request"


def _structure(value: Any, shape: StructureShape, path: str, quiet: bool) -> tuple[Any, list[Violation]]:
    if not isinstance(value, dict):
        return value, [Violation(_where(path), f"expected an object ({shape.name}), got {type(value).__name__}")]
    members = _members(shape)
    violations: list[Violation] = []
    normalized: dict[str, Any] = {}
    for key, item in value.items():
        child = f"{path}.{key}" if path else key
        if key not in members:
            violations.append(Violation(child, f"unknown field; {shape.name} has: {', '.join(sorted(members))}"))
            continue
        normalized[key], found = validate(item, members[key], child, quiet=quiet)
        violations += found
    for key in _metadata(shape).get("required", []):
        if key not in value or value[key] is None:
            violations.append(Violation(f"{path}.{key}" if path else key, "is required"))
    return normalized, violations


def _size_violations(size: int, shape: Shape, path: str, unit: str) -> list[Violation]:
    meta = _metadata(shape)
    if "min" in meta and size < meta["min"]:
        return [Violation(_where(path), f"must have at least {meta['min']} {unit} (has {size})")]
    if "max" in meta and size > meta["max"]:
        return [Violation(_where(path), f"must have at most {meta['max']} {unit} (has {size})")]
    return []


def _list(value: Any, shape: ListShape, path: str, quiet: bool) -> tuple[Any, list[Violation]]:
    if not isinstance(value, list | tuple):
        return value, [Violation(_where(path), f"expected a list, got {type(value).__name__}")]
    violations = _size_violations(len(value), shape, path, "items")
    normalized = []
    for index, item in enumerate(value):
        item_value, found = validate(item, cast("Shape", shape.member), f"{path}[{index}]", quiet=quiet)
        normalized.append(item_value)
        violations += found
    return normalized, violations


def _map(value: Any, shape: MapShape, path: str) -> tuple[Any, list[Violation]]:
    if not isinstance(value, dict):
        return value, [Violation(_where(path), f"expected a mapping, got {type(value).__name__}")]
    violations = _size_violations(len(value), shape, path, "entries")
    normalized = {}
    key_shape, value_shape = cast("Shape", shape.key), cast("Shape", shape.value)
    for key, item in value.items():
        _, key_violations = validate(key, key_shape, f"{path}.{key}")
        violations += [Violation(v.path, f"key {v.reason}") for v in key_violations]
        normalized[key], found = validate(item, value_shape, f"{path}.{key}", quiet=True)
        violations += found
    return normalized, violations


def _scalar(value: Any, shape: Shape, path: str, quiet: bool) -> tuple[Any, list[Violation]]:
    kind, meta, where = shape.type_name, _metadata(shape), _where(path)
    shown_value = "the value (not shown: it may hold a secret)" if quiet else repr(value)
    if kind == "string":
        if not isinstance(value, str):
            return value, [Violation(where, f"expected a string, got {type(value).__name__}")]
        enum = cast(list[str], getattr(shape, "enum", []) or [])
        if enum and value not in enum:
            shown = ", ".join(enum[:12]) + (f", ... ({len(enum)} in all)" if len(enum) > 12 else "")
            return value, [Violation(where, f"{shown_value} is not one of: {shown}")]
        violations = _size_violations(len(value), shape, path, "characters")
        pattern = compiled_pattern(meta["pattern"]) if "pattern" in meta else None
        if pattern is not None and not pattern.fullmatch(value):
            violations.append(Violation(where, f"{shown_value} does not match the pattern {meta['pattern']}"))
        return value, violations
    if kind in ("integer", "long"):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            return value, [Violation(where, f"expected a whole number, got {shown_value}")]
        if "min" in meta and value < meta["min"]:
            return value, [Violation(where, f"must be at least {meta['min']} (got {value})")]
        if "max" in meta and value > meta["max"]:
            return value, [Violation(where, f"must be at most {meta['max']} (got {value})")]
        return value, []
    if kind in ("float", "double"):
        if not isinstance(value, int | float) or isinstance(value, bool):
            return value, [Violation(where, f"expected a number, got {shown_value}")]
        return float(value), []
    if kind == "boolean" and not isinstance(value, bool):
        return value, [Violation(where, f"expected true or false, got {shown_value}")]
    return value, []


def validate_request(operation: str, request: dict[str, Any]) -> tuple[dict[str, Any], list[Violation]]:
    """Validate an operation's whole request; returns the normalized request and violations."""
    normalized, violations = validate(request, input_shape(operation))
    return cast(dict[str, Any], normalized), violations
