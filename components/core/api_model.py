"""SageMaker requests in snake_case, as the SageMaker SDK v3 names their fields.

`from_api` turns a boto3 request (PascalCase) into the snake_case form users write
(`resource_config.volume_size_in_gb`); `to_api` turns it back, checking every field against
botocore's shape for the operation and naming the exact path of any field it does not know.
Both walk the service model, so every member of every shape is covered without retyping it,
and the round trip is exact (map keys such as hyperparameter names are kept as written).

This is the typed escape hatch of the components: what their ergonomic arguments cannot say
(debugger rules, instance pools, explainer configs...) goes in `extra=` in this form.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, cast

from .service_model import Violation, input_shape, validate

if TYPE_CHECKING:
    # Types only: shapes are told apart by `type_name`, so `import components` loads no botocore.
    from botocore.model import ListShape, MapShape, Shape, StructureShape


def xform_name(name: str) -> str:
    """botocore's snake_case of an API name (`VolumeSizeInGB` -> `volume_size_in_gb`)."""
    from botocore import xform_name as botocore_xform_name  # noqa: PLC0415 - not on `import components`

    return botocore_xform_name(name)


@functools.cache
def _snake_members(shape: StructureShape) -> dict[str, str]:
    """snake_case name -> API member name, for one structure."""
    return {xform_name(member): member for member in cast("dict[str, Shape]", shape.members)}


def from_api(value: Any, shape: Shape) -> Any:
    """A boto3 value as its snake_case form."""
    if shape.type_name == "structure" and isinstance(value, dict):
        members = cast("dict[str, Shape]", cast("StructureShape", shape).members)
        return {
            xform_name(key): from_api(item, members[key]) if key in members else item for key, item in value.items()
        }
    if shape.type_name == "list" and isinstance(value, list):
        return [from_api(item, cast("Shape", cast("ListShape", shape).member)) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: from_api(item, cast("Shape", cast("MapShape", shape).value)) for key, item in value.items()}
    return value


def to_api(value: Any, shape: Shape, path: str = "") -> tuple[Any, list[Violation]]:
    """A snake_case value as boto3 wants it, with a violation for every field the shape lacks."""
    if shape.type_name == "structure" and isinstance(value, dict):
        structure = cast("StructureShape", shape)
        names = _snake_members(structure)
        members = cast("dict[str, Shape]", structure.members)
        converted: dict[str, Any] = {}
        violations: list[Violation] = []
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key not in names:
                violations.append(Violation(where, f"unknown field of {shape.name}; known: {', '.join(sorted(names))}"))
                continue
            converted[names[key]], found = to_api(item, members[names[key]], where)
            violations += found
        return converted, violations
    if shape.type_name == "list" and isinstance(value, list):
        member = cast("Shape", cast("ListShape", shape).member)
        pairs = [to_api(item, member, f"{path}[{index}]") for index, item in enumerate(value)]
        return [item for item, _ in pairs], [v for _, found in pairs for v in found]
    if shape.type_name == "map" and isinstance(value, dict):
        value_shape = cast("Shape", cast("MapShape", shape).value)
        pairs = {key: to_api(item, value_shape, f"{path}.{key}") for key, item in value.items()}
        return {key: item for key, (item, _) in pairs.items()}, [v for _, found in pairs.values() for v in found]
    return value, []


def parse_request(operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """A boto3 request of `operation` in snake_case."""
    return cast(dict[str, Any], from_api(request, input_shape(operation)))


def build_request(operation: str, fields: dict[str, Any]) -> tuple[dict[str, Any], list[Violation]]:
    """The boto3 request from snake_case fields: unknown fields and broken constraints named."""
    shape = input_shape(operation)
    request, violations = to_api(fields, shape)
    if violations:
        return cast(dict[str, Any], request), violations
    normalized, found = validate(request, shape)
    return cast(dict[str, Any], normalized), found


def extra_members(operation: str, fields: dict[str, Any] | None, owner: str) -> dict[str, Any]:
    """An `extra=` escape hatch as API members, or a ValueError naming each bad field.

    Only the structure of the fields is checked here (names, nesting); values are checked with
    the rest of the request, by the provider's check or the component's own validation.
    """
    if not fields:
        return {}
    request, violations = to_api(fields, input_shape(operation))
    if violations:
        raise ValueError(f"{owner}: extra: " + "; ".join(f"{v.path}: {v.reason}" for v in violations))
    return cast(dict[str, Any], request)


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Paths where two requests differ, including int-vs-float (2 is not 2.0 here)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                found.append(f"{where}: missing")
            elif key not in expected:
                found.append(f"{where}: unexpected")
            else:
                found += differences(expected[key], actual[key], where)
        return found
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [
            f
            for index, (a, b) in enumerate(zip(expected, actual, strict=True))
            for f in differences(a, b, f"{path}[{index}]")
        ]
    if type(expected) is not type(actual) or expected != actual:
        return [f"{path}: {expected!r} != {actual!r}"]
    return []
