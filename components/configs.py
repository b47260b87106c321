"""Argument models named as the SageMaker Python SDK v3 names its config classes, and their one
translation to the API.

Each model names the botocore shape it fills (`api_shape`); the generic `to_api()` then finds each
field's member by botocore's own snake_case of the shape's members (`volume_size_in_gb` is
`ResourceConfig.VolumeSizeInGB`), recurses into nested models, lists and dicts, and leaves out
what is unset: None, and an empty list or dict whose default is empty. What the rule cannot say
is declared beside the fields, as data:
- `api_names`: field -> member path where the member has another name or sits deeper
  (`kms_key_id` -> `SecurityConfig.KmsKeyId`). `X[]` is a list member: the value's items, or
  the value as the only item. An empty path puts a nested model's members into this dict.
- `api_constants`: member path -> a fixed value the user-facing model leaves implicit.
- `api_overrides`: fields the model's own `to_api` override (or its component) translates,
  only where the user-facing shape really differs from the API's.
A nested model whose shape is one member of a structure of alternatives (an `S3DataSource` in a
`DataSource`) fills that member. tests/test_api_translation.py checks every declaration of
every model against botocore's model.

Fields a user would wire from another resource (role ARNs, S3 paths, KMS keys) accept a
`pulumi.Output` as well as a plain value; Outputs pass through `to_api()` untouched, and are
validated when known, by the provider's check against the service model.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, cast

import pulumi
from pydantic import ConfigDict, Field, field_validator, model_validator

from components.core.api_model import snake_members
from components.core.provider import StrictModel
from components.core.service_model import shape_named

if TYPE_CHECKING:
    # Types only: `import components` loads no botocore; the first `to_api()` does.
    from botocore.model import ListShape, Shape, StructureShape

StrInput = str | pulumi.Output[str]

MemberPath = tuple[tuple[str, bool], ...]
"""A member path: (member, is a list whose items are placed) per level; empty: this dict itself."""


class ConfigModel(StrictModel):
    """A user-facing config model: strict, accepting Pulumi Outputs where declared, and
    translated to the API by declaration (see the module's docstring)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, arbitrary_types_allowed=True, defer_build=True)

    api_shape: ClassVar[str | None] = None
    """The botocore shape this model fills; None for models that are not translated (stack config)."""
    api_names: ClassVar[Mapping[str, str]] = {}
    """Field -> member path, where botocore's snake_case of the member is not the field's name."""
    api_constants: ClassVar[Mapping[str, Any]] = {}
    """Member path -> a fixed value the model leaves implicit."""
    api_overrides: ClassVar[frozenset[str]] = frozenset()
    """Fields the model's own `to_api` (or its component) translates; the rule leaves them alone."""

    def to_api(self) -> dict[str, Any]:
        """This model as its API shape (boto3's form)."""
        translation = _translation(type(self))
        api: dict[str, Any] = {}
        for path, constant in translation.constants:
            _place(api, path, constant)
        for member in translation.members:
            value = getattr(self, member.field)
            if value is None or (member.field in translation.empty_by_default and value in ([], {})):
                continue
            converted = api_value(value, member.shape)
            if member.path:
                _place(api, member.path, converted)
            else:
                api.update(converted)
        return api


def api_value(value: Any, shape: Shape | None = None) -> Any:
    """A field's value in the API's form: models by their `to_api()`, lists and dicts item by
    item, scalars and Pulumi Outputs as they are. `shape`, where known, is the value's API shape."""
    if isinstance(value, ConfigModel):
        return _fitted(value, shape)
    if isinstance(value, list):
        item_shape = cast("ListShape", shape).member if shape is not None and shape.type_name == "list" else shape
        return [api_value(item, cast("Shape | None", item_shape)) for item in cast(list[Any], value)]
    if isinstance(value, dict):
        value_shape = getattr(shape, "value", None) if shape is not None and shape.type_name == "map" else None
        return {key: api_value(item, value_shape) for key, item in cast(dict[str, Any], value).items()}
    return value


def _fitted(model: ConfigModel, shape: Shape | None) -> dict[str, Any]:
    api = model.to_api()
    if shape is None or shape.name == model.api_shape or shape.type_name != "structure":
        return api
    for member, member_shape in cast("dict[str, Shape]", cast("StructureShape", shape).members).items():
        if member_shape.name == model.api_shape:
            return {member: api}
    raise TypeError(f"{type(model).__name__} ({model.api_shape}) is not a member of {shape.name}")


@dataclass(frozen=True)
class _Member:
    field: str
    path: MemberPath
    shape: Shape
    """The shape of the value placed at the end of the path (of each item, after `[]`)."""


@dataclass(frozen=True)
class _Translation:
    members: tuple[_Member, ...]
    constants: tuple[tuple[MemberPath, Any], ...]
    empty_by_default: frozenset[str]


def _member_path(shape: Shape, text: str, owner: str) -> tuple[MemberPath, Shape]:
    """`A.B[].C` of `shape` as a path, and the shape at its end; a TypeError names what is missing."""
    path: list[tuple[str, bool]] = []
    for part in text.split(".") if text else []:
        name, spread = part.removesuffix("[]"), part.endswith("[]")
        members = cast("dict[str, Shape]", getattr(shape, "members", {}))
        if name not in members:
            raise TypeError(f"{owner}: {shape.name} has no member {name!r} (path {text!r})")
        shape = members[name]
        if spread:
            if shape.type_name != "list":
                raise TypeError(f"{owner}: {name} of path {text!r} is not a list")
            shape = cast("Shape", cast("ListShape", shape).member)
        path.append((name, spread))
    return tuple(path), shape


@functools.cache
def _translation(model: type[ConfigModel]) -> _Translation:
    """How `model` translates, resolved once against botocore's shapes; a mistake in a model's
    declarations is a TypeError naming the model and field on its first use."""
    if model.api_shape is None:
        raise TypeError(f"{model.__name__} declares no api_shape: it is not translated to the API")
    root = shape_named(model.api_shape)
    rule = snake_members(cast("StructureShape", root))
    members = []
    for field in model.model_fields:
        if field in model.api_overrides:
            continue
        owner = f"{model.__name__}.{field}"
        if field not in model.api_names and field not in rule:
            raise TypeError(
                f"{owner}: {model.api_shape} has no member named so; declare it in api_names or api_overrides"
            )
        path, shape = _member_path(root, model.api_names.get(field, rule.get(field, "")), owner)
        members.append(_Member(field, path, shape))
    constants = tuple(
        (_member_path(root, text, model.__name__)[0], value) for text, value in model.api_constants.items()
    )
    empty = frozenset(
        name for name, info in model.model_fields.items() if info.get_default(call_default_factory=True) in ([], {})
    )
    return _Translation(tuple(members), constants, empty)


def _place(node: dict[str, Any], path: MemberPath, value: Any) -> None:
    """Put `value` at `path` in `node`, creating the structures on the way (shared with siblings)."""
    (name, spread), rest = path[0], path[1:]
    if not spread:
        if rest:
            _place(node.setdefault(name, {}), rest, value)
        else:
            node[name] = value
        return
    items = cast(list[Any], value) if isinstance(value, list) else [value]
    if not rest:
        node[name] = items
        return
    slots: list[dict[str, Any]] = node.setdefault(name, [])
    for index, item in enumerate(items):
        if index == len(slots):
            slots.append({})
        _place(slots[index], rest, item)


class ComponentArgs(ConfigModel):
    """Everything one component takes, given as `args=` or as its keyword arguments."""

    @model_validator(mode="before")
    @classmethod
    def _none_is_the_default(cls, data: Any) -> Any:
        # Keyword arguments have always taken None for "the default": keep taking it.
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {
            key: value
            for key, value in cast(dict[str, Any], data).items()
            if value is not None
            or key not in fields
            or fields[key].is_required()
            or fields[key].get_default(call_default_factory=True) is None
        }


ArgsT = TypeVar("ArgsT", bound=ComponentArgs)


def component_args(kind: type[ArgsT], args: ArgsT | None, keywords: dict[str, Any], owner: str) -> ArgsT:
    """A component's arguments: `args` as given, or its keyword arguments validated into `kind`."""
    if args is None:
        return kind(**keywords)
    if keywords:
        raise TypeError(
            f"{owner}: give the arguments as args= or as keyword arguments, not both "
            f"(keyword arguments given: {', '.join(sorted(keywords))})"
        )
    if not isinstance(args, kind):
        raise TypeError(f"{owner}: args must be a {kind.__name__}, not {type(args).__name__}")
    return args


@functools.cache
def declared_outputs(component: type) -> tuple[str, ...]:
    """The outputs a component class declares: its own `pulumi.Output[...]` annotations, in order."""
    return tuple(name for name, kind in inspect.get_annotations(component).items() if "Output[" in str(kind))


def publish(component: pulumi.ComponentResource, *sources: object, **values: Any) -> None:
    """Set every output `component` declares, from `values` or else the first source that has an
    attribute of that name, and register them all: an output is added by declaring it."""
    outputs: dict[str, Any] = {}
    for name in declared_outputs(type(component)):
        if name in values:
            outputs[name] = values.pop(name)
            continue
        found = [getattr(source, name) for source in sources if hasattr(source, name)]
        if not found:
            raise TypeError(f"{type(component).__name__} declares the output {name!r}, but nothing gives it")
        outputs[name] = found[0]
    if values:
        raise TypeError(f"{type(component).__name__} declares no outputs {sorted(values)}")
    for name, value in outputs.items():
        setattr(component, name, value)
    component.register_outputs(outputs)


class InstanceGroup(ConfigModel):
    """One group of a heterogeneous cluster (ResourceConfig.InstanceGroups)."""

    api_shape = "InstanceGroup"

    instance_group_name: str
    instance_type: str
    instance_count: int = Field(ge=1)


class Compute(ConfigModel):
    """Instances a training job runs on (ResourceConfig, EnableManagedSpotTraining)."""

    api_shape = "ResourceConfig"
    api_overrides = frozenset({"enable_managed_spot_training"})
    """A member of the request itself: TrainingJobArgs places it."""

    instance_type: str | None = None
    instance_count: int = Field(default=1, ge=1)
    volume_size_in_gb: int = Field(default=30, ge=1)
    volume_kms_key_id: StrInput | None = None
    keep_alive_period_in_seconds: int | None = Field(default=None, ge=0)
    enable_managed_spot_training: bool = False
    instance_groups: list[InstanceGroup] | None = None

    @model_validator(mode="after")
    def _one_way_to_size(self) -> Compute:
        if (self.instance_type is None) == (self.instance_groups is None):
            raise ValueError("set exactly one of instance_type and instance_groups")
        return self

    def to_api(self) -> dict[str, Any]:
        # A heterogeneous cluster counts instances per group: SageMaker refuses InstanceCount beside them.
        api = super().to_api()
        if self.instance_groups:
            del api["InstanceCount"]
        else:
            api.pop("InstanceGroups", None)
        return api


class S3DataSource(ConfigModel):
    """Training data in S3 (DataSource.S3DataSource)."""

    api_shape = "S3DataSource"

    s3_uri: StrInput
    s3_data_type: Literal["S3Prefix", "ManifestFile", "AugmentedManifestFile", "Converse"] = "S3Prefix"
    s3_data_distribution_type: Literal["FullyReplicated", "ShardedByS3Key"] | None = None
    attribute_names: list[str] | None = None
    instance_group_names: list[str] | None = None


class FileSystemDataSource(ConfigModel):
    """Training data on EFS or FSx for Lustre (DataSource.FileSystemDataSource)."""

    api_shape = "FileSystemDataSource"

    file_system_id: StrInput
    file_system_access_mode: Literal["rw", "ro"] = "ro"
    file_system_type: Literal["EFS", "FSxLustre"]
    directory_path: str


class InputData(ConfigModel):
    """One input channel: an S3 URI string, an S3DataSource or a FileSystemDataSource."""

    api_shape = "Channel"

    channel_name: str
    data_source: StrInput | S3DataSource | FileSystemDataSource
    """A plain S3 URI (or Output of one) stands for `S3DataSource(s3_uri=...)`."""
    content_type: str | None = None
    compression_type: Literal["None", "Gzip"] | None = None
    input_mode: Literal["Pipe", "File", "FastFile"] | None = None
    record_wrapper_type: Literal["None", "RecordIO"] | None = None

    @field_validator("data_source", mode="before")
    @classmethod
    def _uri_is_an_s3_prefix(cls, value: Any) -> Any:
        return S3DataSource(s3_uri=value) if isinstance(value, str | pulumi.Output) else value


class OutputDataConfig(ConfigModel):
    """Where model artifacts go, and the key that encrypts them."""

    api_shape = "OutputDataConfig"

    s3_output_path: StrInput
    kms_key_id: StrInput | None = None
    compression_type: Literal["GZIP", "NONE"] | None = None


class StoppingCondition(ConfigModel):
    """Limits on a job's runtime, spot wait and pending time."""

    api_shape = "StoppingCondition"

    max_runtime_in_seconds: int = Field(default=86400, ge=1)
    max_wait_time_in_seconds: int | None = Field(default=None, ge=1)
    max_pending_time_in_seconds: int | None = Field(default=None, ge=7200, le=2419200)


class Networking(ConfigModel):
    """VPC placement, network isolation and inter-container encryption."""

    # Members of the request itself, not of one structure: a TrainingJobArgs takes them in.
    api_shape = "CreateTrainingJobRequest"
    api_names: ClassVar[Mapping[str, str]] = {
        "security_group_ids": "VpcConfig.SecurityGroupIds",
        "subnets": "VpcConfig.Subnets",
    }

    security_group_ids: list[StrInput] | None = None
    subnets: list[StrInput] | None = None
    enable_network_isolation: bool = False
    enable_inter_container_traffic_encryption: bool = False

    @model_validator(mode="after")
    def _vpc_needs_both(self) -> Networking:
        if (self.security_group_ids is None) != (self.subnets is None):
            raise ValueError("a VPC needs both security_group_ids and subnets")
        return self


class CheckpointConfig(ConfigModel):
    """Where checkpoints are kept (needed for managed spot training to resume)."""

    api_shape = "CheckpointConfig"

    s3_uri: StrInput
    local_path: str | None = None


class RetryStrategy(ConfigModel):
    """How often SageMaker retries a job after an internal error."""

    api_shape = "RetryStrategy"

    maximum_retry_attempts: int = Field(ge=1, le=30)


class MetricDefinition(ConfigModel):
    """A metric SageMaker parses from the job's logs."""

    api_shape = "MetricDefinition"

    name: str
    regex: str
