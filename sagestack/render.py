"""`sagestack render`: the resources a stack would have, from its config alone.

The program runs under Pulumi's mocks, so no credentials and no cloud are needed: a reviewable
plan for pull requests. Package approvals are not looked up offline (the program checks them
for production at `pulumi up`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi.runtime.config import set_all_config

from components.platform import program
from components.platform_config import load_stack_file, pulumi_config, stack_values, validate_stack_values
from sagestack.stacks import STACKS_DIR, stack_file
from sagestack.testing.mocks import Registered, run_program

HIDDEN = ("__provider",)
STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass
class Rendered:
    """One desired resource: where it sits (parent names), its type, its name, its inputs."""

    path: str
    type: str
    name: str
    inputs: dict[str, Any]


class StackInvalid(Exception):
    """The stack file does not validate; `sagestack validate` says where."""


def render(stack: str, stacks_dir: Path = STACKS_DIR) -> list[Rendered]:
    document = load_stack_file(stack_file(stack, stacks_dir))
    _, violations = validate_stack_values(stack_values(document))
    if violations:
        raise StackInvalid("; ".join(f"{v.path}: {v.reason}" for v in violations))
    set_all_config(pulumi_config(document))
    run = run_program(lambda: program(approval_lookup=lambda _arn: "Approved") and None, stack=stack)
    resources = [r for r in run.resources if r.type != STACK_TYPE]
    by_urn = {resource.urn: resource for resource in resources}

    def path(resource: Registered) -> str:
        names = [resource.name]
        parent = by_urn.get(resource.parent)
        while parent is not None:
            names.append(parent.name)
            parent = by_urn.get(parent.parent)
        return "/".join(reversed(names))

    return [
        Rendered(path(r), r.type, r.name, {k: _whole(v) for k, v in r.inputs.items() if k not in HIDDEN})
        for r in resources
    ]


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
