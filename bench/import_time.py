"""Import time: `import components` vs. importing the SDKs it builds on, each in a fresh process.

Each statement runs as `python -c "<statement>"` in a new interpreter, interleaved, and the
fastest of the runs counts: noise on a shared machine only adds time. Bytecode caches are on for
every module, ours and the SDKs' alike, as for any user after a first run (this environment sets
PYTHONDONTWRITEBYTECODE, which would compile our sources on every start while the SDKs use the
caches pip wrote); they go to a temporary PYTHONPYCACHEPREFIX, so the source tree stays clean.
The baseline is `import pulumi, pulumi_aws.sagemaker`, the least a SageMaker program on Pulumi
imports; an empty interpreter is shown for scale. Target: `import components` <= 1.5x the
baseline.

Then `python -X importtime` says where the difference goes: the self time of every module that
`import components` loads and the baseline does not, charged to our module that first imported
it (the smallest of a few runs; `-X importtime` itself slows imports, so compare rows, not
totals).

    python -m bench.import_time
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

import components  # noqa: F401 - to count its models; the timings run in fresh interpreters
from bench.report import markdown_table, verdict

REPO_ROOT = Path(__file__).resolve().parents[1]
EMPTY = "pass"
BASELINE = "import pulumi, pulumi_aws.sagemaker"
OURS = "import components"
STATEMENTS = (EMPTY, BASELINE, OURS)
REPETITIONS = 20
IMPORTTIME_REPETITIONS = 3
TARGET_RATIO = 1.5
OWN_CODE = "our modules' own code"
IMPORTTIME_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|( *)(\S+)")


class FreshInterpreters:
    """Runs statements in new interpreters sharing one temporary bytecode cache."""

    def __init__(self, bytecode_cache: str) -> None:
        self.environment = {
            **{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"},
            "PYTHONPYCACHEPREFIX": bytecode_cache,
        }

    def run(self, statement: str, *options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *options, "-c", statement],
            cwd=REPO_ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            check=True,
        )


def fastest_fresh_imports(interpreters: FreshInterpreters) -> dict[str, float]:
    best: dict[str, float] = dict.fromkeys(STATEMENTS, float("inf"))
    for _ in range(REPETITIONS):
        for statement in STATEMENTS:
            start = time.perf_counter()
            interpreters.run(statement)
            best[statement] = min(best[statement], time.perf_counter() - start)
    return best


@dataclass
class ImportedModule:
    name: str
    self_micros: int
    children: list[ImportedModule] = field(default_factory=list)


def import_tree(interpreters: FreshInterpreters, statement: str) -> list[ImportedModule]:
    """The modules one `python -X importtime` run imported, as the tree of who imported whom.

    importtime prints a module once its import is done, after everything it imported, one
    indentation level deeper than itself."""
    finished: list[tuple[int, ImportedModule]] = []
    for line in interpreters.run(statement, "-X", "importtime").stderr.splitlines():
        match = IMPORTTIME_LINE.match(line)
        if not match:
            continue
        depth = len(match.group(2)) // 2
        module = ImportedModule(match.group(3), int(match.group(1)))
        while finished and finished[-1][0] > depth:
            module.children.insert(0, finished.pop()[1])
        finished.append((depth, module))
    return [module for _, module in finished]


def walk(modules: list[ImportedModule]) -> Iterator[ImportedModule]:
    for module in modules:
        yield module
        yield from walk(module.children)


def is_ours(name: str) -> bool:
    return name == "components" or name.startswith("components.")


def added_by_cause(baseline: set[str], modules: list[ImportedModule], importer: str = "") -> Counter[str]:
    """Self time of the modules the baseline does not load, charged to what caused them: our own
    modules to "our modules", anything else to the package of the first outside module one of
    ours imported (with everything that module imported in turn)."""
    charged: Counter[str] = Counter()
    for module in modules:
        if is_ours(module.name):
            charged[OWN_CODE] += module.self_micros
            charged += added_by_cause(baseline, module.children, module.name)
        else:
            package = module.name.split(".")[0]
            cause = f"`{package}`, first imported by `{importer}`" if importer else f"`{package}`"
            charged[cause] += sum(m.self_micros for m in walk([module]) if m.name not in baseline)
    return charged


def smallest_added_by_cause(interpreters: FreshInterpreters) -> Counter[str]:
    best: Counter[str] | None = None
    for _ in range(IMPORTTIME_REPETITIONS):
        baseline = {module.name for module in walk(import_tree(interpreters, BASELINE))}
        added = added_by_cause(baseline, import_tree(interpreters, OURS))
        best = added if best is None else Counter({cause: min(best[cause], added[cause]) for cause in best})
    assert best is not None
    return best


def pydantic_models_we_define() -> int:
    def subclasses(cls: type) -> Iterator[type]:
        for subclass in cls.__subclasses__():
            yield subclass
            yield from subclasses(subclass)

    return len({model for model in subclasses(BaseModel) if is_ours(model.__module__)})


def describe(cause: str) -> str:
    if cause == OWN_CODE:
        return f"{OWN_CODE} (module bodies, defining {pydantic_models_we_define()} pydantic models, built on first use)"
    return cause


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as bytecode_cache:
        report(FreshInterpreters(bytecode_cache))


def report(interpreters: FreshInterpreters) -> None:
    for statement in STATEMENTS:  # bytecode caches written, page cache warm
        interpreters.run(statement)
    seconds = fastest_fresh_imports(interpreters)
    ratio = seconds[OURS] / seconds[BASELINE]
    print(
        markdown_table(
            ["fresh `python -c`", "fastest wall time", "vs. baseline"],
            [
                [
                    f"`{statement}`",
                    f"{seconds[statement] * 1000:.0f} ms",
                    f"{seconds[statement] / seconds[BASELINE]:.2f}x",
                ]
                for statement in STATEMENTS
            ],
        )
    )
    print(f"\nFastest of {REPETITIONS} interleaved runs each.")
    print(f"Target: `{OURS}` <= {TARGET_RATIO}x `{BASELINE}`: {verdict(ratio <= TARGET_RATIO)} ({ratio:.2f}x).\n")

    added = smallest_added_by_cause(interpreters)
    total = sum(added.values())
    shown = [(cause, micros) for cause, micros in added.most_common() if micros >= total / 50]
    rows = [[describe(cause), f"{micros / 1000:.0f} ms", f"{micros / total:.0%}"] for cause, micros in shown]
    rows.append(["everything else", f"{(total - sum(micros for _, micros in shown)) / 1000:.0f} ms", ""])
    print(markdown_table(["what `import components` adds, by cause", "-X importtime self time", "share"], rows))
    print(f"\nSmallest of {IMPORTTIME_REPETITIONS} `-X importtime` runs per cause; the baseline's modules excluded.")


if __name__ == "__main__":
    main()
