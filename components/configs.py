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

A component checks the API requests it stands for when it is constructed (`refuse_invalid`):
against botocore's model and the rules it does not state, every violation at once, each named by
the argument the user wrote (`environment.1BAD`, `variants[0].name`), found back through the same
declarations (`field_path`). A refusal of an argument model names its field too: cross-field
rules are located at a field (`located_error`), an unknown field gets a "did you mean", and a union
of models picks its member by the fields given (`by_distinct_fields`), so one mistake is one message.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, LiteralString, Self, TypeVar, cast

import pulumi
from pydantic import (
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from components.core.api_model import PathSteps, path_steps, path_tail, snake_members, snake_path
from components.core.provider import StrictModel
from components.core.service_model import Violation, input_shape, shape_named, validate, validate_request
from components.core.unknowns import UNKNOWN

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

    @model_validator(mode="wrap")
    @classmethod
    def _suggest_known_fields(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        # pydantic says only "Extra inputs are not permitted", and a misspelt required field is
        # reported twice (unknown, and missing): say what was meant, once.
        try:
            return handler(data)
        except ValidationError as error:
            if not isinstance(data, dict) or not any(
                _unknown_here(item["type"], item["loc"]) for item in error.errors()
            ):
                raise
            raise _with_suggestions(error, cls) from None

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


def _unknown_here(kind: str, loc: tuple[int | str, ...]) -> bool:
    """Whether a pydantic error is an unknown key of the model reporting it (not of a nested one)."""
    return kind == "extra_forbidden" and len(loc) == 1


def _with_suggestions(error: ValidationError, model: type[ConfigModel]) -> ValidationError:
    """`error` with each unknown key of `model` told the field it is closest to (or the fields
    there are), and without the "Field required" of a field a misspelt key was meant to be."""
    fields = list(model.model_fields)
    items = error.errors()
    meant = {
        item["loc"][0]: next(iter(difflib.get_close_matches(str(item["loc"][0]), fields, n=1)), None)
        for item in items
        if _unknown_here(item["type"], item["loc"])
    }
    details: list[InitErrorDetails] = []
    for item in items:
        loc, message = item["loc"], item["msg"]
        if item["type"] == "missing" and len(loc) == 1 and loc[0] in meant.values():
            continue
        if _unknown_here(item["type"], loc):
            close = meant[loc[0]]
            message += f"; did you mean {close!r}?" if close else f"; {model.__name__} takes: {', '.join(fields)}"
        # Rebuilt as custom errors of the same type and message: a known type would be re-rendered
        # from its context, losing the messages nested models already rewrote.
        details.append(InitErrorDetails(type=_custom(item["type"], message), loc=loc, input=item["input"]))
    return ValidationError.from_exception_data(error.title, details)


def _custom(kind: str, message: str) -> PydanticCustomError:
    # pydantic types the template as a literal because it formats `{name}` from a context; given
    # none, the message stays as written (braces of a pattern included), so any text is safe here.
    return PydanticCustomError(cast(LiteralString, kind), cast(LiteralString, message))


def located_error(model: type[ConfigModel], field: str, message: str, value: Any) -> ValidationError:
    """A cross-field rule's refusal located at `field`, the one to fix: raised from a model
    validator, it is reported at that field (a ValueError there would have no location)."""
    return ValidationError.from_exception_data(
        model.__name__, [InitErrorDetails(type=_custom("value_error", message), loc=(field,), input=value)]
    )


def by_distinct_fields(*models: type[ConfigModel], default: type[ConfigModel]) -> Callable[[Any], str]:
    """A pydantic discriminator for a union of `models`, tagged by class name: the member whose
    own fields (those no other member has) the value gives most of, a misspelt key counting as the
    field it is closest to; `default` when none. Without it pydantic tries every member and reports
    each one's refusal: one mistake in an instance variant was also three "extra inputs" of the
    serverless one."""
    names = [name for model in models for name in model.model_fields]
    own = {
        model.__name__: set(model.model_fields)
        - {n for other in models if other is not model for n in other.model_fields}
        for model in models
    }

    def choose(value: Any) -> str:
        if isinstance(value, ConfigModel):
            return type(value).__name__
        if not isinstance(value, dict):
            return default.__name__
        given = [
            key if key in names else next(iter(difflib.get_close_matches(str(key), names, n=1)), key)
            for key in cast(dict[Any, Any], value)
        ]
        scores = {tag: sum(key in fields for key in given) for tag, fields in own.items()}
        best = max(scores.values())
        chosen = [tag for tag, score in scores.items() if score == best]
        return chosen[0] if best and len(chosen) == 1 else default.__name__

    return choose


def within_api_limits(*fields: str) -> Any:
    """A field validator holding each of `fields` to what botocore's model states for the member
    it fills (min, max, enum, pattern), so the limits are read, not retyped. Outputs are not
    known yet: skipped."""

    def check(cls: type[ConfigModel], value: Any, info: ValidationInfo) -> Any:
        if value is None or isinstance(value, pulumi.Output):
            return value
        member = next(member for member in _translation(cls).members if member.field == info.field_name)
        for violation in validate(value, member.shape)[1]:
            raise ValueError(violation.reason)
        return value

    return field_validator(*fields)(classmethod(check))


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


# --- where a member of a request comes from, and the check of a whole request ---------------


def field_path(model: ConfigModel, api_path: str, *, unset: bool = False) -> str | None:
    """The argument path, in `model`'s own field names, that gives the member at `api_path` of
    its API shape (`ProductionVariants[0].VariantName` -> `variants[0].name`), found through the
    declarations `to_api()` uses; None when no field gives it (a constant, a component's own
    member). Only fields that are set count, unless `unset` (a required member left out)."""
    translation = _translation(type(model))
    steps = path_steps(api_path)
    found = [
        match
        for member in translation.members
        if (value := getattr(model, member.field)) is not None or unset
        if unset or not (member.field in translation.empty_by_default and value in ([], {}))
        if (match := _through_member(member, value, steps, unset)) is not None
    ]
    if not found:
        return None
    depth = max(score for score, _ in found)
    deepest = {path for score, path in found if score == depth}
    # A structure several fields fill (`BlueGreenUpdatePolicy`) is no one field's: not guessed.
    return deepest.pop() if len(deepest) == 1 else None


def _through_member(member: _Member, value: Any, steps: PathSteps, unset: bool) -> tuple[int, str] | None:
    """(how many levels of the member's path matched, the argument path) if `steps` lead into
    the member `member.field` fills; None if they lead elsewhere."""
    position, index = 0, None
    for level, (name, spread) in enumerate(member.path):
        if position == len(steps):  # the violation is about a structure around the member
            return (level, member.field) if level else None
        if steps[position] != (None, name):
            return None
        position += 1
        if spread and position < len(steps) and steps[position][0] is not None:
            index = steps[position][0]
            position += 1
    path, rest = member.field, steps[position:]
    # A list member placed with `X[]`: the index is the list's own, unless the value is the only item.
    if index is not None and isinstance(value, list):
        rest = [(index, f"[{index}]"), *rest]
    shape = member.shape
    if rest and rest[0][0] is not None and isinstance(value, list):
        item_index = cast(int, rest[0][0])
        path += rest[0][1]
        value = cast(list[Any], value)[item_index] if item_index < len(cast(list[Any], value)) else None
        rest = rest[1:]
        shape = cast("Shape", cast("ListShape", shape).member) if shape.type_name == "list" else shape
    if rest and isinstance(value, ConfigModel):
        # A model filling one member of a structure of alternatives (an S3DataSource in a DataSource).
        if shape.name != value.api_shape and rest[0][0] is None:
            wrapper = cast("dict[str, Shape]", getattr(shape, "members", {})).get(rest[0][1])
            if wrapper is not None and wrapper.name == value.api_shape:
                rest = rest[1:]
        inner = field_path(value, path_tail(rest).removeprefix("."), unset=unset)
        return None if inner is None else (len(member.path) + 1, f"{path}.{inner}")
    return len(member.path) + 1, path + path_tail(rest)


@dataclass(frozen=True)
class ApiRequest:
    """An API request a component stands for (one per resource it registers), and how each of its
    members maps back to the argument that gives it."""

    operation: str
    members: Mapping[str, Any]
    renames: Mapping[str, str] = dataclass_field(default_factory=dict)
    """API path -> argument path, for members the component builds itself rather than through its
    args' declarations (`ExecutionRoleArn` -> `role_arn`). A rename to an argument holding a model
    of that member's shape goes on into the model's fields (`DeploymentConfig` -> `deployment`)."""
    rules: Callable[[dict[str, Any]], list[Violation]] | None = None
    """The rules the service model does not state, given the request with unknowns marked; their
    paths are the request's own (a leading `request.`, as the providers' rules write it, is fine)."""
    extra_field: str | None = None
    """The argument holding the component's escape hatch (`extra`), if this request takes it."""
    extra: Mapping[str, Any] = dataclass_field(default_factory=dict)
    """What the escape hatch gave, in its snake_case form: the members it replaces are named there."""

    def argument_path(self, api_path: str, args: ConfigModel) -> str:
        """Where the user wrote the member at `api_path`: the escape hatch, the args' declarations,
        the component's renames; the API path itself only when nothing gives the member."""
        path = api_path.removeprefix("request.")
        shape = input_shape(self.operation)
        top = next(iter(path_steps(path)), (None, ""))[1]
        names = snake_members(shape)
        if self.extra_field and top in {names.get(key) for key in self.extra}:
            return f"{self.extra_field}.{snake_path(path, shape)}"
        translated = shape.name == args.api_shape
        found = field_path(args, path) if translated else None
        if found is None:
            found = self._renamed(path, args, shape)
        if found is None and translated:
            found = field_path(args, path, unset=True)
        return found or path

    def _renamed(self, path: str, args: ConfigModel, shape: StructureShape) -> str | None:
        matches = [prefix for prefix in self.renames if path == prefix or path.startswith((f"{prefix}.", f"{prefix}["))]
        if not matches:
            return None
        prefix = max(matches, key=len)
        target, rest = self.renames[prefix], path[len(prefix) :]
        value = getattr(args, target, None)
        member = cast("dict[str, Shape]", shape.members).get(prefix)
        if rest and isinstance(value, ConfigModel) and member is not None and member.name == value.api_shape:
            inner = field_path(value, rest.removeprefix("."))
            if inner is not None:
                return f"{target}.{inner}"
        return target + rest


class InvalidArguments(ValueError):
    """A component's arguments describe requests SageMaker would refuse: every violation, each
    named by the argument to fix."""

    def __init__(self, owner: str, violations: Sequence[Violation]) -> None:
        self.owner, self.violations = owner, tuple(violations)
        super().__init__(f"{owner}: " + "; ".join(f"{v.path}: {v.reason}" for v in violations))


def as_known(value: Any) -> Any:
    """`value` with every Pulumi Output in it replaced by the unknown marker: an Output's value
    is not known while the program runs, and the checks skip unknowns as a preview's Check does."""
    if isinstance(value, pulumi.Output):
        return UNKNOWN
    if isinstance(value, dict):
        return {key: as_known(item) for key, item in cast(dict[str, Any], value).items()}
    if isinstance(value, list | tuple):
        return [as_known(item) for item in cast(list[Any], value)]
    return value


def refuse_invalid(
    owner: str, args: ConfigModel, requests: Iterable[ApiRequest], more: Iterable[Violation] = ()
) -> None:
    """Check each request against botocore's model and its rules, and refuse them all at once
    (with `more`, violations already named by argument) before anything is registered."""
    violations: list[Violation] = []
    for request in requests:
        members = cast(dict[str, Any], as_known(dict(request.members)))
        found = validate_request(request.operation, members)[1]
        found += request.rules(members) if request.rules else []
        violations += [Violation(request.argument_path(v.path, args), v.reason) for v in found]
    violations += more
    if violations:
        raise InvalidArguments(owner, list(dict.fromkeys(violations)))


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
            where = "instance_groups" if self.instance_groups is not None else "instance_type"
            raise located_error(
                Compute, where, "set exactly one of instance_type and instance_groups", getattr(self, where)
            )
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

    max_runtime_in_seconds: int = 86400
    max_wait_time_in_seconds: int | None = None
    max_pending_time_in_seconds: int | None = None
    """Up to 28 days, from 30 minutes: botocore's model says so (`within_api_limits`)."""

    _limits = within_api_limits("max_runtime_in_seconds", "max_wait_time_in_seconds", "max_pending_time_in_seconds")


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
            missing = "subnets" if self.subnets is None else "security_group_ids"
            raise located_error(Networking, missing, "a VPC needs both security_group_ids and subnets", None)
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
