"""The one name rule between our snake_case and SageMaker's API: botocore's own.

A snake_case name is the member whose botocore snake_case (`xform_name`) it is, looked up in the
member's shape (`volume_size_in_gb` is `ResourceConfig.VolumeSizeInGB`), so no name is retyped.
Three translations use it, each walking the service model:
- the argument models' `to_api()` (`components.configs`), field by field;
- `to_api` here, for the components' `extra=` escape hatch (what their ergonomic arguments cannot
  say: debugger rules, instance pools, explainer configs...), naming the exact path of any field
  its shape does not know; `from_api` is its inverse (map keys such as hyperparameter names are
  kept as written, so the round trip is exact);
- `to_pulumi_args`, from the API's form to pulumi-aws's arguments, with pulumi-aws's exceptions.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from .service_model import Violation, input_shape

if TYPE_CHECKING:
    # Types only: shapes are told apart by `type_name`, so `import components` loads no botocore.
    from botocore.model import ListShape, MapShape, Shape, StructureShape


def xform_name(name: str) -> str:
    """botocore's snake_case of an API name (`VolumeSizeInGB` -> `volume_size_in_gb`)."""
    from botocore import xform_name as botocore_xform_name  # noqa: PLC0415 - not on `import components`

    return botocore_xform_name(name)


@functools.cache
def snake_members(shape: StructureShape) -> dict[str, str]:
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
        names = snake_members(structure)
        members = cast("dict[str, Shape]", structure.members)
        converted: dict[str, Any] = {}
        violations: list[Violation] = []
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key not in names:
                violations.append(Violation(where, f"unknown field of {shape.name}; {_suggestion(key, names)}"))
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


def _suggestion(key: str, names: Mapping[str, str]) -> str:
    """What a misspelt field was probably meant to be, else every field the shape has."""
    close = difflib.get_close_matches(key, list(names), n=1)
    return f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(names))}"


_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")
"""One step of a violation's path: `[3]` (a list item) or `.Member` (a member, or a map's key)."""

PathSteps = list[tuple[int | None, str]]
"""A path as steps: (index, "[index]") for a list item, (None, name) for a member or a map key."""


def path_steps(path: str) -> PathSteps:
    """`A.B[2].C` (as `service_model.validate` names a violation) as steps:
    (None, "A"), (None, "B"), (2, "[2]"), (None, "C")."""
    steps: PathSteps = []
    position = 0
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:  # a malformed path: kept whole rather than misread
            return [(None, path)]
        steps.append((int(step[1]), step[0]) if step[1] is not None else (None, step[2]))
        position = step.end()
    return steps


def path_tail(steps: PathSteps) -> str:
    """Steps written back as a path's tail (`[2].C`, `.KEY`): names and map keys as they are, so a
    map key holding a dot comes back whole."""
    return "".join(text if index is not None else f".{text}" for index, text in steps)


def snake_path(path: str, shape: Shape) -> str:
    """An API path of `shape` (`DebugHookConfig.CollectionConfigurations[0].CollectionName`) in
    the snake_case form `extra=` takes (`debug_hook_config.collection_configurations[0].collection_name`);
    map keys, and whatever the shape does not know, stay as written."""
    steps = path_steps(path)
    written = ""
    for position, (index, text) in enumerate(steps):
        members = cast("dict[str, Shape]", getattr(shape, "members", {}))
        if index is not None and shape.type_name == "list":
            written, shape = written + text, cast("Shape", cast("ListShape", shape).member)
        elif index is None and text in members:
            written, shape = f"{written}.{xform_name(text)}" if written else xform_name(text), members[text]
        else:  # a map's key, or what the shape does not know
            return written + path_tail(steps[position:]) if written else path_tail(steps[position:]).lstrip(".")
    return written


def to_pulumi_args(value: Any, shape: Shape, names: Mapping[str, str] | None = None, path: str = "") -> Any:
    """An API value as pulumi-aws arguments: each member by botocore's snake_case of its name.

    `names` holds pulumi-aws's exceptions, by API path (`ProductionVariants[].RoutingConfig`):
    its own name for the member, ending in `[]` where pulumi-aws wants a list of the one
    structure the API has. Map keys (environment variables) and Pulumi Outputs pass as they are.
    """
    if isinstance(value, dict) and shape.type_name == "structure":
        members = cast("dict[str, Shape]", cast("StructureShape", shape).members)
        converted: dict[str, Any] = {}
        for key, item in cast(dict[str, Any], value).items():
            where = f"{path}.{key}" if path else key
            name = (names or {}).get(where, xform_name(key))
            arg = to_pulumi_args(item, members[key], names, where) if key in members else item
            if name.endswith("[]"):
                name, arg = name.removesuffix("[]"), [arg]
            converted[name] = arg
        return converted
    if isinstance(value, list) and shape.type_name == "list":
        member = cast("Shape", cast("ListShape", shape).member)
        return [to_pulumi_args(item, member, names, f"{path}[]") for item in cast(list[Any], value)]
    if isinstance(value, dict) and shape.type_name == "map":
        value_shape = cast("Shape", cast("MapShape", shape).value)
        return {key: to_pulumi_args(item, value_shape, names, f"{path}.{key}") for key, item in value.items()}
    return value


def extra_members(operation: str, fields: dict[str, Any] | None, owner: str, argument: str = "extra") -> dict[str, Any]:
    """An `extra=` escape hatch (the component's `argument`) as API members, or a ValueError
    naming each bad field.

    Only the structure of the fields is checked here (names, nesting); values are checked with
    the rest of the request, by the provider's check or the component's own validation.
    """
    if not fields:
        return {}
    request, violations = to_api(fields, input_shape(operation))
    if violations:
        raise ValueError(f"{owner}: {argument}: " + "; ".join(f"{v.path}: {v.reason}" for v in violations))
    return cast(dict[str, Any], request)
