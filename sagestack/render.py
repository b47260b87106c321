"""`sagestack render`: the resources a stack would have, from its config alone; and the program
layer of `sagestack validate`.

The program runs under Pulumi's mocks, so no credentials and no cloud are needed: a reviewable
plan for pull requests. Package approvals are not looked up offline (the program checks them
for production at `pulumi up`).

Validation runs the program as a first `pulumi preview` would (`preview_problems`): what the
components refuse while they are built (a `ValueError` naming the field), and what each dynamic
resource's provider refuses in its Check. Each is traced back to the stack key it came from.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
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
from sagestack.stacks import STACKS_DIR, Problem, check_stack, stack_file
from sagestack.testing.mocks import PlatformMocks, RecordingMonitor, Registered

HIDDEN = ("__provider",)
STACK_TYPE = "pulumi:pulumi:Stack"
PROJECT = "sagemaker-platform"
"""Pulumi.yaml's project name (the program tags the artifact bucket with it)."""

DYNAMIC_TYPE = re.compile(r"^pulumi-python:dynamic/sagemaker:(?P<kind>\w+)$")
PROVIDERS_BY_KIND: dict[str, type[SageMakerProvider]] = {provider.kind: provider for provider in PROVIDERS}


@dataclass
class Rendered:
    """One desired resource: where it sits (parent names), its type, its name, its inputs."""

    path: str
    type: str
    name: str
    inputs: dict[str, Any]


class StackInvalid(Exception):
    """The stack does not validate; each problem is one `file: key: reason` line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(problem.line() for problem in problems))


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


def _run(stack: str, document: dict[str, Any], preview: bool) -> tuple[list[Registered], ValueError | None]:
    """Run the program of `stack` with its config under mocks: what it registered, and the
    `ValueError` a component raised for the config (other exceptions are bugs, and propagate)."""
    set_all_config(pulumi_config(document))
    monitor = RecordingMonitor(PreviewMocks() if preview else PlatformMocks())
    pulumi.runtime.set_mocks(monitor.mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)

    @pulumi.runtime.test
    def run() -> None:
        program(approval_lookup=_approved)

    try:
        run()
    except ValueError as error:  # pydantic's ValidationError included
        _drop_unfinished_work()
        return [r for r in monitor.registered.values() if r.type != STACK_TYPE], error
    return [r for r in monitor.registered.values() if r.type != STACK_TYPE], None


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
    """The resources `stack` would have; `StackInvalid` unless it passes `sagestack validate`."""
    path = stack_file(stack, stacks_dir)
    problems = check_stack(path)
    if problems:
        raise StackInvalid(problems)
    document = load_stack_file(path)
    # Not a preview: PlatformMocks resolve every output, so the plan shows values, not unknowns.
    resources, error = _run(stack, document, preview=False)
    if error is not None:
        raise StackInvalid(error_problems(path, stack_values(document), error))
    paths = resource_paths(resources)
    return [
        Rendered(paths[r.urn], r.type, r.name, {k: _whole(v) for k, v in r.inputs.items() if k not in HIDDEN})
        for r in resources
    ]


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
    resources, error = _run(stack, document, preview=True)
    problems = error_problems(path, values, error) if error is not None else []
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
        return {key: _whole(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole(item) for item in value]
    return value


def _short(value: Any, width: int = 70) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


def as_table(resources: list[Rendered]) -> str:
    lines = []
    for resource in resources:
        lines.append(f"{resource.path}  [{resource.type}]")
        lines += [f"    {key} = {_short(value)}" for key, value in sorted(resource.inputs.items())]
    return "\n".join(lines)


def as_json(resources: list[Rendered]) -> str:
    return json.dumps([resource.__dict__ for resource in resources], indent=2, sort_keys=True, default=str)


def _normalized(resources: list[Rendered], environment: str) -> dict[str, Rendered]:
    """Resources keyed by path with the environment's own name replaced by `{env}`."""
    return {r.path.replace(environment, "{env}"): r for r in resources}


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def diff(stack_a: str, stack_b: str, stacks_dir: Path = STACKS_DIR) -> list[str]:
    """What differs between two environments: resources only in one, and inputs that differ."""
    left = _normalized(render(stack_a, stacks_dir), stack_a)
    right = _normalized(render(stack_b, stacks_dir), stack_b)
    lines = [f"- {path} [{left[path].type}] only in {stack_a}" for path in sorted(set(left) - set(right))]
    lines += [f"+ {path} [{right[path].type}] only in {stack_b}" for path in sorted(set(right) - set(left))]
    for path in sorted(set(left) & set(right)):
        before = _flatten(left[path].inputs)
        after = _flatten(right[path].inputs)
        for key in sorted(set(before) | set(after)):
            a, b = before.get(key), after.get(key)
            if isinstance(a, str) and isinstance(b, str) and a.replace(stack_a, "{env}") == b.replace(stack_b, "{env}"):
                continue
            if a != b:
                lines.append(f"~ {path}: {key}: {_short(a, 50)} -> {_short(b, 50)}")
    return lines
