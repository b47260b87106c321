"""`sagestack validate` and `sagestack promote`: the stack files, offline and in review."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.core.service_model import Violation
from components.platform_config import load_stack_file, stack_values, validate_stack_values

STACKS_DIR = Path("stacks")
PACKAGE_LINE = re.compile(r"^(?P<lead>\s*model_package_arn:\s*)(?P<value>\S+)(?P<rest>\s*(#.*)?)$")


def stack_file(stack: str, stacks_dir: Path = STACKS_DIR) -> Path:
    return stacks_dir / f"Pulumi.{stack}.yaml"


def validate_stacks(stacks_dir: Path = STACKS_DIR, stack: str | None = None) -> list[tuple[Path, Violation]]:
    """Every violation of every (or one) stack file, as (file, violation)."""
    files = [stack_file(stack, stacks_dir)] if stack else sorted(stacks_dir.glob("Pulumi.*.yaml"))
    problems: list[tuple[Path, Violation]] = []
    for path in files:
        if not path.exists():
            problems.append((path, Violation("", "no such stack file")))
            continue
        try:
            document = load_stack_file(path)
        except Exception as error:  # yaml's errors carry the line; show them as they are
            problems.append((path, Violation("", f"not valid YAML: {error}")))
            continue
        problems += [(path, violation) for violation in validate_stack_values(stack_values(document))[1]]
    return problems


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
