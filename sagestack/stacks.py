"""`sagestack validate`: the stack files, offline and in review; and how a command names one.

`validate_stacks` checks each stack file in three layers, all offline and without credentials:
the config schema (`components/platform_config.py`); then the program itself, run under Pulumi's
mocks as a first `pulumi preview` would run it (component and native-request errors); then every
dynamic resource it registered, through its provider's Check (`sagestack.render.preview_problems`).
Each problem is one line, `stacks/Pulumi.dev.yaml: sagemaker.training.compute.instance_type: reason`.
"""

from __future__ import annotations

import asyncio
import gc
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from components.platform_config import NAMESPACE, load_stack_file, stack_values, validate_stack_values

STACKS_DIR = Path("stacks")
STACK_GLOB = "Pulumi.*.yaml"
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]+")
"""What a stack name may be: no path separators, so `Pulumi.<name>.yaml` stays in its directory."""
STACK_FILE_NAME = re.compile(r"Pulumi\.(?P<name>[A-Za-z0-9_.-]+)\.yaml")

NAMESPACES_READ = (NAMESPACE, "aws", "pulumi")
"""Config namespaces something reads: the program (`sagemaker:`), pulumi-aws and the engine. A key
in any other namespace (`sagemakr:serving`) would be silently ignored, so it is an error."""


class Problem(BaseModel):
    """One thing wrong with a stack file: the key as the user wrote it (or, where a resource's
    property cannot be traced back to one, the resource and its property), and why."""

    model_config = ConfigDict(frozen=True)

    file: Path
    key: str
    reason: str

    def line(self) -> str:
        return f"{self.file}: {self.key}: {self.reason}" if self.key else f"{self.file}: {self.reason}"


class NoStackFiles(Exception):
    """Nothing to validate: a gate that checked nothing must not pass."""

    def __init__(self, stacks_dir: Path) -> None:
        self.stacks_dir = stacks_dir
        super().__init__(
            f"no stack files ({STACK_GLOB}) in {stacks_dir.resolve()}: "
            "run from the project root, or name the directory with --stacks-dir DIR"
        )


class BadStackName(ValueError):
    """A `--stack`, `--from`, `--to` or `--diff` argument that names no stack file (a usage error)."""


def stack_file(stack: str, stacks_dir: Path = STACKS_DIR) -> Path:
    """The stack file a command argument names: a stack name (`dev`: `stacks_dir/Pulumi.dev.yaml`)
    or a path to a stack file (`stacks/Pulumi.dev.yaml`, `/tmp/base/Pulumi.dev.yaml`). The file
    need not exist (`read_stack` says so); anything else raises `BadStackName`."""
    if "/" in stack or "\\" in stack or stack.endswith((".yaml", ".yml")):
        path = Path(stack)
        if STACK_FILE_NAME.fullmatch(path.name) is None:
            raise BadStackName(
                f"{stack}: not a stack file: stack files are named Pulumi.<stack>.yaml; "
                "give a stack name (dev) or the path to one (stacks/Pulumi.dev.yaml)"
            )
        return path
    if STACK_NAME.fullmatch(stack) is None:
        raise BadStackName(f"{stack!r}: not a stack name: a name is letters, digits, '_', '.' and '-' (dev, staging)")
    return stacks_dir / f"Pulumi.{stack}.yaml"


def confined_stack_file(stack: str, stacks_dir: Path = STACKS_DIR) -> Path:
    """`stack_file`, refused unless the file (symbolic links followed) is inside `stacks_dir`: a
    command that writes a stack file (`promote`) must not be talked into writing anywhere else."""
    path = stack_file(stack, stacks_dir)
    if not path.resolve().is_relative_to(stacks_dir.resolve()):
        raise BadStackName(f"{stack}: {path.resolve()} is outside the stacks directory {stacks_dir.resolve()}")
    return path


def stack_name(path: Path) -> str:
    """`dev` for `stacks/Pulumi.dev.yaml`."""
    return path.name.removeprefix("Pulumi.").removesuffix(".yaml")


def stack_files(stacks_dir: Path = STACKS_DIR, stack: str | None = None) -> list[Path]:
    """The stack files to check: one, by name or path (it may not exist: `check_stack` says so), or
    every one in `stacks_dir`; none at all raises `NoStackFiles`, a bad name `BadStackName`."""
    if stack:
        return [stack_file(stack, stacks_dir)]
    files = sorted(stacks_dir.glob(STACK_GLOB))
    if not files:
        raise NoStackFiles(stacks_dir)
    return files


def read_stack(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A stack file's document, if it can be read and has the shape of one."""
    if not path.is_file():
        folder = path.parent.resolve()
        found = ", ".join(stack_name(other) for other in sorted(path.parent.glob(STACK_GLOB)))
        if found:
            reason = f"no such stack file (stacks in {folder}: {found}; --stacks-dir sets the directory)"
        else:
            reason = (
                f"no such stack file (no stack files in {folder}: run from the project root, "
                "or name the directory with --stacks-dir DIR)"
            )
        return None, [Problem(file=path, key="", reason=reason)]
    try:
        document: Any = load_stack_file(path)
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(file=path, key="", reason=f"cannot be read: {error}")]
    except yaml.MarkedYAMLError as error:
        return None, [Problem(file=path, key="", reason=f"not valid YAML: {_yaml_problem(error)}")]
    except Exception as error:  # any other loader error: its own words
        return None, [Problem(file=path, key="", reason=f"not valid YAML: {' '.join(str(error).split())}")]
    if not isinstance(document, dict) or not isinstance(document.get("config") or {}, dict):
        return None, [Problem(file=path, key="config", reason="a stack file is a mapping with a `config:` mapping")]
    return document, []


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    """PyYAML's error on one line (its own text quotes the source over several):
    `line 3, column 1: expected ',' or ']', but got '<stream end>' (while parsing a flow
    sequence from line 2, column 22)`."""

    def at(mark: Any) -> str:
        return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""

    problem = ": ".join(part for part in (at(error.problem_mark), error.problem) if part)
    if error.context:
        context = f"{error.context} from {at(error.context_mark)}" if error.context_mark else error.context
        return f"{problem} ({context})" if problem else context
    return problem or "unreadable"


def schema_problems(path: Path, document: dict[str, Any]) -> list[Problem]:
    """The first layer: the `sagemaker:` keys against the config schema, and no key elsewhere."""
    problems = [
        Problem(
            file=path,
            key=str(key),
            reason=f"not read by anything: the program reads `{NAMESPACE}:` keys, pulumi-aws `aws:` keys",
        )
        for key in document.get("config") or {}
        if str(key).split(":", 1)[0] not in NAMESPACES_READ
    ]
    _, violations = validate_stack_values(stack_values(document))
    return problems + [Problem(file=path, key=violation.path, reason=violation.reason) for violation in violations]


def check_stack(path: Path) -> list[Problem]:
    """Every problem of one stack file: schema first; the program only runs on a valid config."""
    document, problems = read_stack(path)
    if document is None:
        return problems
    problems = schema_problems(path, document)
    if problems:
        return problems
    # The program layer imports the program (pulumi, pulumi-aws: about a second); promote needs none of it.
    from sagestack.render import preview_problems  # noqa: PLC0415

    return preview_problems(path, stack_name(path), document)


def validate_stacks(stacks_dir: Path = STACKS_DIR, stack: str | None = None) -> list[Problem]:
    """Every problem of every (or one) stack file; `NoStackFiles` if there is nothing to check."""
    return [problem for path in stack_files(stacks_dir, stack) for problem in check_stack(path)]


def close_event_loops() -> None:
    """Close the asyncio loops the program's runs opened, at the end of a command. Pulumi's
    runtime opens one in each executor thread and never closes them; an unclosed loop collected
    as garbage (when its thread ends, or at exit) may be finalized after its own sockets, which
    prints a traceback ("Invalid file descriptor") after our output. The process stays usable
    (a test runs several commands in one): the executor's threads end, and the next
    `asyncio.get_event_loop()` (Pulumi's, when it next runs) opens a new loop and executor."""
    try:
        main = asyncio.get_event_loop()
    except RuntimeError:  # none set (an earlier command closed it): Pulumi did not run since
        main = None
    loops = [item for item in gc.get_objects() if isinstance(item, asyncio.BaseEventLoop) and item is not main]
    for loop in loops:
        if not loop.is_running() and not loop.is_closed():
            loop.close()
    if main is not None and not main.is_running() and not main.is_closed():
        main.run_until_complete(main.shutdown_default_executor())
        main.close()
        # A fresh policy, not `set_event_loop(None)`: that marks the main thread's loop as set on
        # purpose, and every later `get_event_loop()` (Pulumi's) would raise instead of opening one.
        asyncio.set_event_loop_policy(None)
