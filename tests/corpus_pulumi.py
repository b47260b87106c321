"""pulumi-aws inputs read back as the SageMaker request they stand for, by pulumi-aws's own schema.

pulumi-aws is only seen under mocks here, so the request our component asks pulumi-aws for is
reconstructed from the inputs it registers: every key must be an input pulumi-aws declares (a key
it does not know would be refused by the real provider, so it is a problem, not a pass), it maps
to the API member of the same name (pulumi-aws's names are camelCase of the API's, with the
exceptions in `NativeResource.renames`), and each scalar takes the type pulumi-aws declares for
it (the wire carries every number as a float; pulumi-aws sends an `int` input as an int).
"""

from __future__ import annotations

import collections.abc
import importlib.metadata
import types
import typing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pulumi_aws as aws
from pulumi import _types as pulumi_types  # pyright: ignore[reportPrivateUsage] - the SDK's own name tables

from components.core.service_model import input_shape

if TYPE_CHECKING:
    from botocore.model import ListShape, MapShape, Shape, StructureShape

PULUMI_AWS_VERSION = importlib.metadata.version("pulumi_aws")


@dataclass(frozen=True)
class NativeResource:
    """A pulumi-aws resource that sends one SageMaker create operation."""

    operation: str
    type_token: str
    args: type
    """pulumi-aws's args class, the root of its input schema."""
    name_member: str | None = None
    """The API member pulumi-aws fills in from its auto-naming when no `name` is given."""
    renames: dict[str, str] = field(default_factory=dict)
    """API member -> pulumi-aws input, where pulumi-aws does not use the camelCase of the API name
    (top level only, since that is the only place pulumi-aws renames)."""


NATIVE: dict[str, NativeResource] = {
    "CreateModel": NativeResource(
        "CreateModel",
        "aws:sagemaker/model:Model",
        aws.sagemaker.ModelArgs,
        name_member="ModelName",
        renames={"ModelName": "name"},
    ),
    "CreateEndpointConfig": NativeResource(
        "CreateEndpointConfig",
        "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
        aws.sagemaker.EndpointConfigurationArgs,
        name_member="EndpointConfigName",
        renames={"EndpointConfigName": "name", "KmsKeyId": "kmsKeyArn"},
    ),
    "CreateModelPackageGroup": NativeResource(
        "CreateModelPackageGroup",
        "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
        aws.sagemaker.ModelPackageGroupArgs,
    ),
}

NESTED_RENAMES = {"RoutingConfig": "routingConfigs"}
"""Nested API members that pulumi-aws names differently: a one-element list of RoutingConfig."""


def _plain(hint: Any) -> Any:
    """The type behind pulumi's input wrappers: `Union[T, Awaitable[T], Output[T]]` -> T."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return _plain(typing.get_args(hint)[0])
    return hint


def _schema(args: type) -> dict[str, Any]:
    """pulumi-aws's inputs of one args class: pulumi name -> declared type."""
    return {name: _plain(hint) for name, hint in pulumi_types.input_type_types(args).items()}


def _key(member: str, schema: dict[str, Any], renames: dict[str, str]) -> str | None:
    """The pulumi-aws input that carries an API member, or None when pulumi-aws has none."""
    if member in renames:
        return renames[member]
    return next((name for name in schema if name.lower() == member.lower()), None)


def _members(shape: Shape) -> dict[str, Shape]:
    return cast("dict[str, Shape]", cast("StructureShape", shape).members)


def api_request(native: NativeResource, inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The request pulumi-aws would send for these inputs, and every input it would not accept."""
    problems: list[str] = []
    tags = inputs.get("tags")
    request = _structure(
        {key: value for key, value in inputs.items() if key != "tags"},
        native.args,
        input_shape(native.operation),
        path="",
        renames=native.renames,
        problems=problems,
    )
    if tags:
        request["Tags"] = [{"Key": key, "Value": value} for key, value in tags.items()]
    return request, problems


def _structure(
    value: dict[str, Any], args: type, shape: Shape, *, path: str, renames: dict[str, str], problems: list[str]
) -> dict[str, Any]:
    schema = _schema(args)
    by_key = {key: member for member in _members(shape) if (key := _key(member, schema, renames)) is not None}
    request: dict[str, Any] = {}
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        if key not in schema:
            problems.append(f"{where}: pulumi-aws {PULUMI_AWS_VERSION} has no such input in {args.__name__}")
        elif key not in by_key:
            problems.append(f"{where}: no member of {shape.name} stands for pulumi-aws's {key}")
        else:
            member = by_key[key]
            request[member] = _value(item, schema[key], _members(shape)[member], where, problems)
    return request


def _value(item: Any, hint: Any, shape: Shape, path: str, problems: list[str]) -> Any:
    origin = typing.get_origin(hint)
    if origin is collections.abc.Sequence:
        element = _plain(typing.get_args(hint)[0])
        if shape.type_name == "structure":  # pulumi-aws's one-element list for one structure
            if not (isinstance(item, list) and len(item) == 1):
                problems.append(f"{path}: pulumi-aws takes exactly one element here, got {item!r}")
                return item
            return _value(item[0], element, shape, f"{path}[0]", problems)
        member = cast("Shape", cast("ListShape", shape).member)
        return [_value(entry, element, member, f"{path}[{index}]", problems) for index, entry in enumerate(item)]
    if origin is collections.abc.Mapping:
        element = _plain(typing.get_args(hint)[1])
        member = cast("Shape", cast("MapShape", shape).value)
        return {key: _value(entry, element, member, f"{path}.{key}", problems) for key, entry in item.items()}
    if isinstance(hint, type) and pulumi_types.is_input_type(hint):
        if not isinstance(item, dict):
            problems.append(f"{path}: expected an object, got {item!r}")
            return item
        return _structure(cast(dict[str, Any], item), hint, shape, path=path, renames=NESTED_RENAMES, problems=problems)
    if hint is int and isinstance(item, float) and item.is_integer():
        return int(item)  # what pulumi-aws sends for an int input that crossed the wire as a float
    if hint is float and isinstance(item, int) and not isinstance(item, bool):
        return float(item)
    return item


def pulumi_gaps(native: NativeResource, request: dict[str, Any]) -> list[str]:
    """API members of `request` that pulumi-aws has no input for (so no program can send them)."""
    gaps: list[str] = []
    _structure_gaps(
        {key: value for key, value in request.items() if key != "Tags"},
        native.args,
        input_shape(native.operation),
        path="",
        renames=native.renames,
        gaps=gaps,
    )
    return gaps


def _structure_gaps(
    value: dict[str, Any], args: type, shape: Shape, *, path: str, renames: dict[str, str], gaps: list[str]
) -> None:
    schema = _schema(args)
    for member, item in value.items():
        where = f"{path}.{member}" if path else member
        key = _key(member, schema, renames)
        if key is None:
            gaps.append(where)
            continue
        member_shape = _members(shape)[member]
        hint = schema[key]
        if typing.get_origin(hint) is collections.abc.Sequence:
            element = _plain(typing.get_args(hint)[0])
            entries = [item] if member_shape.type_name == "structure" else item
            for index, entry in enumerate(entries):
                if pulumi_types.is_input_type(element) and isinstance(entry, dict):
                    entry_shape = (
                        member_shape
                        if member_shape.type_name == "structure"
                        else cast("Shape", cast("ListShape", member_shape).member)
                    )
                    _structure_gaps(
                        entry, element, entry_shape, path=f"{where}[{index}]", renames=NESTED_RENAMES, gaps=gaps
                    )
        elif isinstance(hint, type) and pulumi_types.is_input_type(hint) and isinstance(item, dict):
            _structure_gaps(
                cast(dict[str, Any], item), hint, member_shape, path=where, renames=NESTED_RENAMES, gaps=gaps
            )
