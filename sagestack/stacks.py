"""`sagestack validate` and `sagestack promote`: the stack files, offline and in review.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from components.platform_config import NAMESPACE, load_stack_file, stack_values, validate_stack_values

STACKS_DIR = Path("stacks")
STACK_GLOB = "Pulumi.*.yaml"
PACKAGE_LINE = re.compile(r"^(?P<lead>\s*model_package_arn:\s*)(?P<value>\S+)(?P<rest>\s*(#.*)?)$")

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


def stack_file(stack: str, stacks_dir: Path = STACKS_DIR) -> Path:
    return stacks_dir / f"Pulumi.{stack}.yaml"


def stack_name(path: Path) -> str:
    """`dev` for `stacks/Pulumi.dev.yaml`."""
    return path.name.removeprefix("Pulumi.").removesuffix(".yaml")


def stack_files(stacks_dir: Path = STACKS_DIR, stack: str | None = None) -> list[Path]:
    """The stack files to check: one (which may not exist: `check_stack` says so), or every one
    in `stacks_dir`; none at all raises `NoStackFiles`."""
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
        where = f"stacks in {folder}: {found}" if found else f"no stack files in {folder}"
        reason = f"no such stack file ({where}; --stacks-dir sets the directory)"
        return None, [Problem(file=path, key="", reason=reason)]
    try:
        document: Any = load_stack_file(path)
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(file=path, key="", reason=f"cannot be read: {error}")]
    except Exception as error:  # yaml's errors carry the line; show them as they are
        return None, [Problem(file=path, key="", reason=f"not valid YAML: {error}")]
    if not isinstance(document, dict) or not isinstance(document.get("config") or {}, dict):
        return None, [Problem(file=path, key="config", reason="a stack file is a mapping with a `config:` mapping")]
    return document, []


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
    prints a traceback ("Invalid file descriptor") after our output. The process stays usable:
    the executor's threads end, and Pulumi opens a new loop (and executor) when next needed."""
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
        asyncio.set_event_loop(None)


class PromotionRefused(Exception):
    """Promotion did not happen; the target file is untouched."""


@dataclass
class Promotion:
    package_arn: str
    target: Path
    old_value: str


def served_package(path: Path) -> str:
    serving = stack_values(load_stack_file(path)).get("serving") or {}
    arn = serving.get("model_package_arn")
    if not arn:
        raise PromotionRefused(f"{path}: sagemaker.serving.model_package_arn is not set")
    return str(arn)


def promote(
    source: str,
    target: str,
    sagemaker: Any,
    package_arn: str | None = None,
    stacks_dir: Path = STACKS_DIR,
) -> Promotion:
    """Copy the package version `source` serves into `target`'s stack file, if it is Approved.

    Only the `model_package_arn:` line of the target changes; comments and layout stay.
    """
    arn = package_arn or served_package(stack_file(source, stacks_dir))
    try:
        package = sagemaker.describe_model_package(ModelPackageName=arn)
    except sagemaker.exceptions.ClientError as error:
        raise PromotionRefused(f"{arn}: cannot be read from the registry ({error})") from error
    status = package.get("ModelApprovalStatus")
    if status != "Approved":
        raise PromotionRefused(f"{arn} is {status}, not Approved: approve it in the registry first")
    path = stack_file(target, stacks_dir)
    lines = path.read_text().splitlines(keepends=True)
    matches = [i for i, line in enumerate(lines) if PACKAGE_LINE.match(line.rstrip("\n"))]
    if len(matches) != 1:
        raise PromotionRefused(f"{path}: expected exactly one model_package_arn line, found {len(matches)}")
    index = matches[0]
    match = PACKAGE_LINE.match(lines[index].rstrip("\n"))
    assert match is not None
    ending = lines[index][len(lines[index].rstrip("\n")) :]
    lines[index] = f"{match['lead']}{arn}{match['rest']}{ending}"
    path.write_text("".join(lines))
    return Promotion(arn, path, match["value"])
