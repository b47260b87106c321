"""`sagestack render`: the resources a stack would have, from its config alone; and the program
layer of `sagestack validate`.

The program runs under Pulumi's mocks, so no credentials and no cloud are needed: a reviewable
plan for pull requests. Package approvals are not looked up offline (the program checks them
for production at `pulumi up`). Output is the same bytes for the same stack file on every run:
resources sorted by path, type and URN, and every value whole (a nested value as one line per
leaf, `request.HyperParameters.max_depth = "5"`), as a table, JSON, or a Mermaid flowchart;
`diff` compares two renderings the same ways.

Validation runs the program as a first `pulumi preview` would (`preview_problems`): what the
components refuse while they are built (a `ValueError` naming the field), and what each dynamic
resource's provider refuses in its Check. Each is traced back to the stack key it came from.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pulumi
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockResourceArgs
from pydantic import ValidationError

from components.configs import InvalidArguments
from components.core.api_model import xform_name
from components.core.provider import SageMakerProvider
from components.core.unknowns import is_unknown
from components.platform import program
from components.platform_config import NAMESPACE, load_stack_file, pulumi_config, stack_values
from components.providers import PROVIDERS
from sagestack.stacks import STACKS_DIR, Problem, check_stack, read_stack, stack_file, stack_name
from sagestack.testing.mocks import PlatformMocks, RecordingMonitor, Registered

HIDDEN = ("__provider",)
STACK_TYPE = "pulumi:pulumi:Stack"
PROJECT = "sagemaker-platform"
"""Pulumi.yaml's project name (the program tags the artifact bucket with it)."""

DYNAMIC_TYPE = re.compile(r"^pulumi-python:dynamic/sagemaker:(?P<kind>\w+)$")
PROVIDERS_BY_KIND: dict[str, type[SageMakerProvider]] = {provider.kind: provider for provider in PROVIDERS}


@dataclass
class Rendered:
    """One desired resource: where it sits (parent names), its type, its name, its inputs, and
    (by URN) its parent and the resources its inputs came from."""

    path: str
    type: str
    name: str
    inputs: dict[str, Any]
    urn: str = ""
    parent: str = ""
    """The parent's URN; "" at the top (the stack itself is not rendered)."""
    dependencies: dict[str, list[str]] = field(default_factory=dict)
    """Input property -> the URNs its value came from (`dependsOn`: the rest of `dependencies`)."""


class StackInvalid(Exception):
    """The stack does not validate; each problem is one `file: key: reason` line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(problem.line() for problem in problems))


class StackUnreadable(StackInvalid):
    """No stack file to render: missing, unreadable or not YAML (nothing to `validate` either)."""


def _approved(_arn: str) -> str:
    """Approvals are not looked up offline (no credentials): `pulumi up` checks them for production."""
    return "Approved"


class PreviewMocks(PlatformMocks):
    """The engine's view in a first `pulumi preview`: a resource's outputs are its known inputs,
    and whatever it computes (ARNs, generated names) is unknown, so values derived from them
    reach checks as unknowns, which checks skip, exactly as in a real preview. (PlatformMocks'
    made-up ARNs, `arn:aws:mock:...`, would fail the service model's patterns.)"""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        return None, dict(args.inputs)


AUTONAME = "<random suffix>"


class RenderMocks(PlatformMocks):
    """PlatformMocks, plus the `name` pulumi-aws gives a resource whose program names none (its
    auto-naming: the resource's name and a random suffix). Without it, whatever refers to such a
    resource by name (an endpoint config's `modelName`, an endpoint's `endpoint_config_name`)
    would render with the reference missing, and so would the dependency it carries."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        resource_id, state = super().new_resource(args)
        if args.custom and args.typ.startswith("aws:") and "name" not in state:
            state["name"] = f"{args.name}-{AUTONAME}"
        return resource_id, state


class DependencyMonitor(RecordingMonitor):
    """RecordingMonitor, also remembering which resources each registration's inputs came from."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.dependencies: dict[str, dict[str, list[str]]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        by_property = {
            str(key): sorted(set(value.urns))
            for key, value in request.propertyDependencies.items()
            if value.urns and key not in HIDDEN
        }
        attributed = {urn for urns in by_property.values() for urn in urns}
        rest = sorted(set(request.dependencies) - attributed)
        if rest:
            by_property["dependsOn"] = rest
        self.dependencies[response.urn] = by_property
        return response


@dataclass
class _Run:
    resources: list[Registered]
    """In URN order: registrations arrive in whatever order the program's outputs resolve."""
    dependencies: dict[str, dict[str, list[str]]]
    error: ValueError | None


def _run(stack: str, document: dict[str, Any], preview: bool) -> _Run:
    """Run the program of `stack` with its config under mocks: what it registered, and the
    `ValueError` a component raised for the config (other exceptions are bugs, and propagate)."""
    set_all_config(pulumi_config(document))
    monitor = DependencyMonitor(PreviewMocks() if preview else RenderMocks())
    pulumi.runtime.set_mocks(monitor.mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)

    @pulumi.runtime.test
    def run() -> None:
        program(approval_lookup=_approved)

    error: ValueError | None = None
    try:
        run()
    except ValueError as raised:  # pydantic's ValidationError included
        _drop_unfinished_work()
        error = raised
    resources = sorted((r for r in monitor.registered.values() if r.type != STACK_TYPE), key=lambda r: r.urn)
    return _Run(resources, monitor.dependencies, error)


def _drop_unfinished_work() -> None:
    """Cancel what a program that raised left running on Pulumi's event loop (its registrations
    in flight), so the loop can later be closed cleanly (`sagestack.stacks.close_event_loops`)
    and the next stack's run starts with nothing pending."""
    loop = asyncio.get_event_loop()
    unfinished = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in unfinished:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*unfinished, return_exceptions=True))


def render(stack: str, stacks_dir: Path = STACKS_DIR) -> list[Rendered]:
    """The resources `stack` (a name, or a path to a stack file) would have, in path order;
    `StackUnreadable` if there is no such file, `StackInvalid` unless it passes `sagestack
    validate`, `sagestack.stacks.BadStackName` for a name that names no stack file."""
    path = stack_file(stack, stacks_dir)
    _, unreadable = read_stack(path)
    if unreadable:
        raise StackUnreadable(unreadable)
    problems = check_stack(path)
    if problems:
        raise StackInvalid(problems)
    document = load_stack_file(path)
    # Not a preview: RenderMocks resolve every output, so the plan shows values, not unknowns.
    run = _run(stack_name(path), document, preview=False)
    if run.error is not None:
        raise StackInvalid(error_problems(path, stack_values(document), run.error))
    paths = resource_paths(run.resources)
    known = set(paths)
    rendered = [
        Rendered(
            path=paths[r.urn],
            type=r.type,
            name=r.name,
            inputs={k: _whole(v) for k, v in r.inputs.items() if k not in HIDDEN},
            urn=r.urn,
            parent=r.parent if r.parent in known else "",
            dependencies={
                key: [urn for urn in urns if urn in known]
                for key, urns in sorted(run.dependencies.get(r.urn, {}).items())
                if any(urn in known for urn in urns)
            },
        )
        for r in run.resources
    ]
    return sorted(rendered, key=lambda r: (r.path, r.type, r.urn))


def resource_paths(resources: list[Registered]) -> dict[str, str]:
    """URN -> the resource's name under its parents' (`dev/dev-train/dev-train-job`)."""
    by_urn = {resource.urn: resource for resource in resources}
    paths: dict[str, str] = {}
    for resource in resources:
        names = [resource.name]
        parent = by_urn.get(resource.parent)
        while parent is not None:
            names.append(parent.name)
            parent = by_urn.get(parent.parent)
        paths[resource.urn] = "/".join(reversed(names))
    return paths


# --- validation: the program and its dynamic resources ---------------------------------------


def preview_problems(path: Path, stack: str, document: dict[str, Any]) -> list[Problem]:
    """Run the program as a first preview would, then every dynamic resource it registered
    through its provider's Check, in-process (no AWS: Check only validates)."""
    values = stack_values(document)
    run = _run(stack, document, preview=True)
    resources = run.resources
    problems = error_problems(path, values, run.error) if run.error is not None else []
    paths = resource_paths(resources)
    for resource in resources:
        match = DYNAMIC_TYPE.match(resource.type)
        if match is None:
            continue
        kind = match["kind"]
        provider = PROVIDERS_BY_KIND.get(kind)
        if provider is None:  # a provider missing from PROVIDERS: validate would silently skip it
            reason = f"cannot be checked offline: no provider of kind {kind} in components.providers.PROVIDERS"
            problems.append(Problem(file=path, key=f"{paths[resource.urn]} [{kind}]", reason=reason))
            continue
        owners = set(paths[resource.urn].split("/"))
        for failure in provider().check({}, resource.inputs).failures or []:
            value = _value_at(resource.inputs, failure.property)
            key = locate(values, kind, failure.property, value, owners)
            shown = key or f"{paths[resource.urn]} [{kind}] {failure.property}"
            problems.append(Problem(file=path, key=shown, reason=failure.reason))
    return list(dict.fromkeys(problems))  # one line for a key that several resources refuse alike


COMPONENT_PREFIX = re.compile(r"^(?P<kind>[A-Z][A-Za-z]+) (?P<name>[^\s:]+): (?P<rest>.*)$", re.DOTALL)
"""How components name themselves in errors: `ModelEndpoint churn-dev: endpoint config: ...`."""
PATH_LIKE = re.compile(r"^[A-Za-z_]\w*(\[\d+\])*(\.[A-Za-z_]\w*(\[\d+\])*)*$")
QUOTED = re.compile(r"^'((?:[^'\\]|\\.)*)' ")
"""The service model's reasons start with the value they refuse: `'ml.x' is not one of: ...`."""


def error_problems(path: Path, values: dict[str, Any], error: ValueError) -> list[Problem]:
    """A component's refusal as problems: pydantic's errors (with their inputs) one by one; a
    component's `InvalidArguments` violation by violation; else the message's
    `Kind name: [context: ]Path: reason[; Path: reason]` parts."""
    if isinstance(error, ValidationError):
        kind = error.title.removesuffix("Args")
        problems = []
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"] if not str(part).startswith("function-"))
            key = locate(values, kind, field, item.get("input", _MISSING)) or _section(kind, f"{kind} {field}")
            problems.append(Problem(file=path, key=key, reason=item["msg"]))
        return problems
    message = str(error)
    prefix = COMPONENT_PREFIX.match(message)
    if isinstance(error, InvalidArguments):  # every violation already named by its argument
        prefix = COMPONENT_PREFIX.match(f"{error.owner}: ")
        parts = [(violation.path, violation.reason) for violation in error.violations]
    else:
        parts = [_path_and_reason(part) for part in (prefix["rest"] if prefix else message).split("; ")]
    kind, owner = (prefix["kind"], prefix["name"]) if prefix else ("", "")
    if not parts or not all(field for field, _ in parts):
        return [Problem(file=path, key=_section(kind, ""), reason=message)]
    problems = []
    for field, reason in parts:
        quoted = QUOTED.match(reason)
        key = locate(values, kind, field, quoted[1] if quoted else _MISSING, {owner})
        if key is not None:
            problems.append(Problem(file=path, key=key, reason=reason))
        else:  # the section it belongs to, and the component's own words
            whom = f"{kind} {owner}: " if prefix else ""
            problems.append(Problem(file=path, key=_section(kind, ""), reason=f"{whom}{field}: {reason}"))
    return problems


def _path_and_reason(part: str) -> tuple[str, str]:
    """`endpoint config: ProductionVariants[0].InstanceType: 'x' is not one of: ...` -> the
    last path-like segment of the leading run (context words may precede it) and the rest."""
    segments = part.split(": ")
    field, index = "", -1
    for position, segment in enumerate(segments[:-1]):
        if PATH_LIKE.match(segment):
            field, index = segment, position
        elif field:
            break
    return field, ": ".join(segments[index + 1 :]) if field else part


SCOPES: dict[str, tuple[str, ...]] = {
    "TrainingJob": ("training", "defaults", "tags"),
    "ModelPackage": ("registry", "training", "tags"),
    "ModelRegistry": ("registry", "tags"),
    "Endpoint": ("serving", "defaults", "tags"),
    "ModelEndpoint": ("serving", "defaults", "tags"),
    "FeatureGroup": ("feature_groups", "defaults", "tags"),
}
"""Where in the stack config a resource or component (by kind) takes its values from (the
platform gives every component the stack's `tags`)."""


def _section(kind: str, fallback: str) -> str:
    """The stack section a component's error belongs to, when no key can be named."""
    scopes = SCOPES.get(kind)
    return f"{NAMESPACE}.{scopes[0]}" if scopes else fallback or NAMESPACE


class _Missing:
    """No value to match on (a message that does not quote it)."""


_MISSING = _Missing()


@dataclass(frozen=True)
class _Node:
    """One node of the stack config (a mapping, list or value) and its key path."""

    key: str
    name: str
    """The last key name, normalized (`hyper_parameters` and `hyperparameters` are one name)."""
    indices: tuple[int, ...]
    value: Any


def _normal_name(name: str) -> str:
    return xform_name(name).replace("_", "").lower()


def _nodes(value: Any, key: str = "", name: str = "", indices: tuple[int, ...] = ()) -> Iterator[_Node]:
    if key:
        yield _Node(key, name, indices, value)
    if isinstance(value, dict):
        for child, item in cast(dict[str, Any], value).items():
            yield from _nodes(item, f"{key}.{child}" if key else str(child), _normal_name(str(child)), indices)
    elif isinstance(value, list):
        for index, item in enumerate(cast(list[Any], value)):
            yield from _nodes(item, f"{key}[{index}]", name, (*indices, index))


def _canonical(value: Any) -> Any:
    """A value as compared: 2.0 is 2 (numbers cross the wire as floats), True is not 1."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in cast(dict[str, Any], value).items()}
    if isinstance(value, list):
        return [_canonical(item) for item in cast(list[Any], value)]
    return value


def _distinctive(value: Any) -> bool:
    """A value that alone says where it came from (not a flag, a count or a short word)."""
    return (isinstance(value, str) and len(value) >= 3) or (isinstance(value, dict | list) and bool(value))


def _in_scope(key: str, scopes: list[str]) -> bool:
    return any(key == scope or key.startswith((f"{scope}.", f"{scope}[")) for scope in scopes)


def _scopes(values: dict[str, Any], kind: str, owners: set[str]) -> list[str]:
    """The sections `kind` reads; a list section (feature groups) narrowed to the items named
    after the resource's owners, where there are such."""
    scopes: list[str] = []
    for section in SCOPES.get(kind, ()):
        items = values.get(section)
        if isinstance(items, list):
            named = [
                f"{section}[{index}]"
                for index, item in enumerate(cast(list[Any], items))
                if isinstance(item, dict) and cast(dict[str, Any], item).get("name") in owners
            ]
            scopes += named or [section]
        else:
            scopes.append(section)
    return scopes


def _one(candidates: list[_Node], indices: tuple[int, ...]) -> _Node | None:
    """The one candidate, after preferring those whose list positions end as the property's do."""
    if len(candidates) > 1 and indices:
        candidates = [node for node in candidates if node.indices[-len(indices) :] == indices] or candidates
    return candidates[0] if len(candidates) == 1 else None


def locate(
    values: dict[str, Any],
    kind: str,
    field: str,
    value: Any = _MISSING,
    owners: set[str] | None = None,
) -> str | None:
    """The stack key (`sagemaker.training.compute.instance_type`) a resource's property
    (`request.ResourceConfig.InstanceType`) or a component's field took its value from, if one
    can be named: in the sections the kind reads, a node with the same value and name, else the
    same (distinctive) value, else the same name (or one ending in it: `rollback_alarms` for
    `Alarms`), of the property or else of a member above it; elsewhere in the config, only by
    value. None when no single node fits."""
    members = [_normal_name(member) for member in re.sub(r"\[\d+\]", "", field).split(".") if member]
    name = members[-1] if members else ""
    indices = tuple(int(index) for index in re.findall(r"\[(\d+)\]", field))
    known = not isinstance(value, _Missing) and value is not None and not is_unknown(value)
    wanted = _canonical(value) if known else None
    nodes = list(_nodes(values))
    scopes = _scopes(values, kind, owners or set())
    # A component's argument path is mostly the stack key under its section (`compute.instance_type`
    # of TrainingJob is `training.compute.instance_type`; `tags.team` is `tags.team`).
    keys = {node.key for node in nodes}
    for key in [f"{scope}.{field}" for scope in scopes] + [field]:
        if key in keys and _in_scope(key, scopes):
            return f"{NAMESPACE}.{key}"
    scoped = [node for node in nodes if _in_scope(node.key, scopes)]
    for pool, by_name_too in ((scoped, True), (nodes, False)):
        same_value = [node for node in pool if known and _canonical(node.value) == wanted]
        tiers = [[node for node in same_value if node.name == name]]
        if _distinctive(value):
            tiers.append(same_value)
        if by_name_too:
            # By name, from the property up: a member the config flattens away (`Alarms[0].AlarmName`
            # is `rollback_alarms[0]`) is found by its parent's name.
            for member in reversed(members):
                tiers.append([node for node in pool if node.name == member])
                if len(member) >= 4:
                    tiers.append([node for node in pool if node.name.endswith(member) and node.name != member])
        for tier in tiers:
            found = _one(tier, indices)
            if found is not None:
                return f"{NAMESPACE}.{found.key}"
    return None


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _value_at(inputs: dict[str, Any], field: str) -> Any:
    """The input at a Check property path (`request.InputDataConfig[0].DataSource.S3DataSource.S3Uri`)."""
    node: Any = inputs
    for member, index in _PATH_TOKEN.findall(field):
        if member and isinstance(node, dict) and member in node:
            node = cast(dict[str, Any], node)[member]
        elif index and isinstance(node, list) and int(index) < len(cast(list[Any], node)):
            node = cast(list[Any], node)[int(index)]
        else:
            return _MISSING
    return node


# --- output ----------------------------------------------------------------------------------


def _whole(value: Any) -> Any:
    """Numbers as the config wrote them (the mocks hand back every number as a float)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole(item) for key, item in cast(dict[str, Any], value).items()}
    if isinstance(value, list):
        return [_whole(item) for item in cast(list[Any], value)]
    return value


PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_:-]*$")
JSON_TEXT = "<json>"
"""Marks a string input that holds a JSON document (an IAM policy), shown member by member:
`policy<json>.Statement[0].Sid`. One line of escaped JSON would hide which member changed."""


def _member(prefix: str, key: str) -> str:
    name = key if PLAIN_KEY.match(key) else f"[{json.dumps(key, ensure_ascii=False)}]"
    if not prefix:
        return name
    return f"{prefix}{name}" if name.startswith("[") else f"{prefix}.{name}"


def _json_document(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return cast(dict[str, Any], document) if isinstance(document, dict) and document else None


def leaves(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of an input value with its path (`request.HyperParameters.max_depth`), mapping
    keys sorted and list items in order; an empty mapping or list is a leaf (but not an empty
    set of inputs: a component's)."""
    if not prefix and not value and isinstance(value, dict):
        return
    if isinstance(value, dict) and value:
        mapping = cast(dict[str, Any], value)
        for key in sorted(mapping, key=str):
            yield from leaves(mapping[key], _member(prefix, str(key)))
    elif isinstance(value, list) and value:
        for index, item in enumerate(cast(list[Any], value)):
            yield from leaves(item, f"{prefix}[{index}]")
    elif isinstance(value, str) and (document := _json_document(value)) is not None:
        yield from leaves(document, f"{prefix}{JSON_TEXT}")
    else:
        yield prefix, value


def show(value: Any) -> str:
    """A leaf as JSON, whole: `"5"` (a string) is not `5` (a number)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def as_table(resources: list[Rendered]) -> str:
    lines: list[str] = []
    for resource in resources:
        lines.append(f"{resource.path}  [{resource.type}]")
        lines += [f"    {key} = {show(value)}" for key, value in leaves(resource.inputs)]
    return "\n".join(lines)


def _as_dict(resource: Rendered) -> dict[str, Any]:
    return {
        "path": resource.path,
        "type": resource.type,
        "name": resource.name,
        "urn": resource.urn,
        "parent": resource.parent,
        "dependencies": resource.dependencies,
        "inputs": resource.inputs,
    }


def as_json(resources: list[Rendered]) -> str:
    return json.dumps([_as_dict(resource) for resource in resources], indent=2, sort_keys=True, default=str)


# --- diff ------------------------------------------------------------------------------------


class _Absent:
    """A key one side of a diff does not have."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


def _shown(value: Any) -> str:
    return "(absent)" if value is ABSENT else show(value)


@dataclass(frozen=True)
class Change:
    """One input leaf that differs: at `key` of the resource at `path` (named as in the second stack)."""

    path: str
    type: str
    key: str
    before: Any
    after: Any

    def line(self) -> str:
        return f"~ {self.path}: {self.key}: {_shown(self.before)} -> {_shown(self.after)}"


@dataclass
class StackDiff:
    """Two renderings compared: resources only in one, and input leaves that differ."""

    before: str
    after: str
    """The stacks as the command named them (`staging`, `base/stacks/Pulumi.dev.yaml`)."""
    before_stack: str
    after_stack: str
    """Their stack names (`dev`): what `{env}` stands for when comparing values."""
    left: list[Rendered]
    right: list[Rendered]
    removed: list[Rendered]
    added: list[Rendered]
    changed: list[Change]

    @property
    def same(self) -> bool:
        return not (self.removed or self.added or self.changed)


def _env(stack: str) -> re.Pattern[str]:
    """The stack's name as a word (`dev` in `churn-dev`, not in `device`)."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(stack)}(?![A-Za-z0-9])")


def _normal(text: str, stack: str) -> str:
    return _env(stack).sub("{env}", text)


def _key(urn: str, stack: str) -> str:
    """What identifies a resource in both stacks: its qualified type (parents' types included) and
    its name with the stack's own name as `{env}` (`churn-{env}-endpoint`)."""
    parts = urn.split("::")
    return f"{parts[2] if len(parts) > 3 else ''}::{_normal(parts[-1], stack)}"


_NUMBER = re.compile(r"(\d+)")


def _natural(key: str) -> list[tuple[int, int | str]]:
    """`Alarms[2]` before `Alarms[10]`."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in _NUMBER.split(key) if part]


def diff(stack_a: str, stack_b: str, stacks_dir: Path = STACKS_DIR) -> StackDiff:
    """What differs between two stacks (names or stack file paths): resources only in one, and
    input leaves that differ. Between two environments their own names are not a difference:
    `churn-staging` and `churn-prod` are both `churn-{env}`."""
    left, right = render(stack_a, stacks_dir), render(stack_b, stacks_dir)
    name_a, name_b = stack_name(stack_file(stack_a, stacks_dir)), stack_name(stack_file(stack_b, stacks_dir))
    before = {_key(r.urn, name_a): r for r in left}
    after = {_key(r.urn, name_b): r for r in right}
    changed: list[Change] = []
    for key, resource in after.items():
        if key not in before:
            continue
        old, new = dict(leaves(before[key].inputs)), dict(leaves(resource.inputs))
        for leaf in sorted(set(old) | set(new), key=_natural):
            a, b = old.get(leaf, ABSENT), new.get(leaf, ABSENT)
            if isinstance(a, str) and isinstance(b, str) and _normal(a, name_a) == _normal(b, name_b):
                continue
            if a is ABSENT or b is ABSENT or show(a) != show(b):
                changed.append(Change(resource.path, resource.type, leaf, a, b))
    return StackDiff(
        before=stack_a,
        after=stack_b,
        before_stack=name_a,
        after_stack=name_b,
        left=left,
        right=right,
        removed=[r for key, r in before.items() if key not in after],
        added=[r for key, r in after.items() if key not in before],
        changed=changed,
    )


def diff_lines(result: StackDiff) -> list[str]:
    """`- path [type] only in A` (and its inputs), `+ ... only in B`, `~ path: key: old -> new`."""
    lines: list[str] = []
    for sign, side, resources in (("-", result.before, result.removed), ("+", result.after, result.added)):
        for resource in resources:
            lines.append(f"{sign} {resource.path} [{resource.type}] only in {side}")
            lines += [f"{sign}     {key} = {show(value)}" for key, value in leaves(resource.inputs)]
    lines += [change.line() for change in result.changed]
    return lines


def diff_text(result: StackDiff) -> str:
    if result.same:
        return f"{result.before} and {result.after} render the same resources"
    return "\n".join(diff_lines(result))


def diff_json(result: StackDiff) -> str:
    def change(item: Change) -> dict[str, Any]:
        sides = {"before": item.before, "after": item.after}
        return {
            "path": item.path,
            "type": item.type,
            "key": item.key,
            **{side: value for side, value in sides.items() if value is not ABSENT},
        }

    document = {
        "before": {"stack": result.before_stack, "as_named": result.before},
        "after": {"stack": result.after_stack, "as_named": result.after},
        "removed": [_as_dict(resource) for resource in result.removed],
        "added": [_as_dict(resource) for resource in result.added],
        "changed": [change(item) for item in result.changed],
    }
    return json.dumps(document, indent=2, sort_keys=True, default=str)


# --- Mermaid ---------------------------------------------------------------------------------

MERMAID_CLASSES = {
    "added": "fill:#dafbe1,stroke:#1a7f37,color:#1f2328",
    "removed": "fill:#ffebe9,stroke:#cf222e,stroke-dasharray:5 3,color:#1f2328",
    "changed": "fill:#fff8c5,stroke:#9a6700,color:#1f2328",
}
"""GitHub's own diff colours, legible in its light and dark themes (the text colour is set)."""
MERMAID_SIGNS = {"added": "+ ", "removed": "- ", "changed": "~ "}


@dataclass
class _GraphNode:
    key: str
    resource: Rendered
    parent: str
    """The parent's key; "" at the top."""
    dependencies: dict[str, list[str]]
    """Dependency key -> the input properties that came from it."""
    mark: str = ""
    notes: list[str] = field(default_factory=list)


def _text(text: str) -> str:
    """Text inside a quoted Mermaid label: `#` first, since the escapes are `#name;` codes."""
    for raw, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;")):
        text = text.replace(raw, code)
    return text


def _nodes_of(resources: list[Rendered], key_of: dict[str, str], mark: str = "") -> list[_GraphNode]:
    nodes: list[_GraphNode] = []
    for resource in resources:
        dependencies: dict[str, list[str]] = {}
        for prop, urns in resource.dependencies.items():
            for urn in urns:
                dependencies.setdefault(key_of[urn], []).append(prop)
        nodes.append(_GraphNode(key_of[resource.urn], resource, key_of.get(resource.parent, ""), dependencies, mark))
    return nodes


def _flowchart(nodes: list[_GraphNode], comments: list[str]) -> str:
    """Components (resources with children) as subgraphs, the rest as nodes, in path order; an
    edge from each resource an input came from to the resource it went to, labelled with the
    inputs (none to an ancestor: the subgraph already shows that)."""
    nodes = sorted(nodes, key=lambda node: (node.resource.path, node.resource.type, node.key))
    ids = {node.key: f"r{index}" for index, node in enumerate(nodes)}
    by_key = {node.key: node for node in nodes}
    children: dict[str, list[_GraphNode]] = {}
    for node in nodes:
        children.setdefault(node.parent if node.parent in ids else "", []).append(node)
    lines = ["flowchart TB", *[f"  %% {comment}" for comment in comments]]

    def label(node: _GraphNode) -> str:
        sign = MERMAID_SIGNS.get(node.mark, "")
        parts = [f"{sign}{node.resource.name}", node.resource.type, *node.notes]
        return "<br/>".join(_text(part) for part in parts)

    def emit(node: _GraphNode, depth: int) -> None:
        indent = "  " * depth
        if node.key in children:
            lines.append(f'{indent}subgraph {ids[node.key]}["{label(node)}"]')
            for child in children[node.key]:
                emit(child, depth + 1)
            lines.append(f"{indent}end")
        else:
            lines.append(f'{indent}{ids[node.key]}["{label(node)}"]')

    for node in children.get("", []):
        emit(node, 1)

    def ancestors(key: str) -> set[str]:
        found: set[str] = set()
        while key in by_key and by_key[key].parent in by_key:
            key = by_key[key].parent
            found.add(key)
        return found

    for node in nodes:
        above = ancestors(node.key)
        for dependency in sorted(node.dependencies, key=lambda key: ids.get(key, "")):
            if dependency in ids and dependency not in above and dependency != node.key:
                props = ", ".join(sorted(set(node.dependencies[dependency])))
                lines.append(f'  {ids[dependency]} -->|"{_text(props)}"| {ids[node.key]}')
    marks = sorted({node.mark for node in nodes if node.mark})
    lines += [f"  classDef {mark} {MERMAID_CLASSES[mark]}" for mark in marks]
    for mark in marks:
        lines.append(f"  class {','.join(ids[node.key] for node in nodes if node.mark == mark)} {mark}")
    return "\n".join(lines)


def as_mermaid(resources: list[Rendered], stack: str = "") -> str:
    """A Mermaid flowchart of one stack's resources (GitHub renders it in a ```mermaid block)."""
    key_of = {resource.urn: resource.urn for resource in resources}
    comment = (
        f"sagestack render --stack {stack}: {len(resources)} resources" if stack else f"{len(resources)} resources"
    )
    return _flowchart(_nodes_of(resources, key_of), [comment])


def diff_mermaid(result: StackDiff) -> str:
    """The second stack's resources and those only in the first, as one flowchart: what is only
    in the second marked added (+), only in the first removed (-), and each changed resource
    with its changes, whole (`~ request.HyperParameters.max_depth: "5" -> "6"`)."""
    key_of = {r.urn: _key(r.urn, result.before_stack) for r in result.left}
    key_of |= {r.urn: _key(r.urn, result.after_stack) for r in result.right}
    removed = {r.urn for r in result.removed}
    added = {r.urn for r in result.added}
    changes: dict[str, list[Change]] = {}
    for change in result.changed:
        changes.setdefault(change.path, []).append(change)
    nodes = _nodes_of([r for r in result.left if r.urn in removed], key_of, "removed")
    for node in _nodes_of(result.right, key_of):
        if node.resource.urn in added:
            node.mark = "added"
        elif node.resource.path in changes:
            node.mark = "changed"
            node.notes = [f"~ {c.key}: {_shown(c.before)} → {_shown(c.after)}" for c in changes[node.resource.path]]
        nodes.append(node)
    counts = f"{len(result.added)} added, {len(result.removed)} removed, {len(changes)} changed"
    return _flowchart(nodes, [f"sagestack render --diff {result.before} {result.after}: {counts}"])
