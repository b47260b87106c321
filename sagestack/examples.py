"""Run a Pulumi program under Pulumi's mocks and print what it would create: no CLI, no AWS.

`python -m sagestack.examples examples/train.py` runs the program in-process with
`pulumi.runtime.set_mocks` (every resource gets a made-up id and ARN) and lists each resource
with its type. A program error (a refused argument) is
printed as one message, exit 1.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from sagestack.testing.mocks import ProgramRun, run_program


def run_example(path: Path) -> ProgramRun:
    """The program at `path`, run under mocks."""
    return run_program(lambda: runpy.run_path(str(path), run_name="__main__"))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m sagestack.examples PROGRAM.py", file=sys.stderr)
        return 2
    path = Path(args[0])
    if not path.is_file():
        print(f"sagestack.examples: no such program: {path}", file=sys.stderr)
        return 1
    try:
        run = run_example(path)
    except Exception as error:  # a user's program error, shown as one message
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    for resource in run.resources:
        kind = "component" if not resource.custom else "resource"
        print(f"{resource.type}  {resource.name}  ({kind})")
    print(f"{len(run.resources)} resources would be created (under mocks: nothing was).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
