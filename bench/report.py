"""What the benchmarks share: timing on a noisy machine, and Markdown output for the README."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """The fastest wall time and the smallest CPU time (this process, all threads) seen."""

    wall: float
    cpu: float


def interleaved_minimums(repetitions: int, actions: Mapping[str, Callable[[], object]]) -> dict[str, Timing]:
    """Run every action once per round, `repetitions` rounds, and keep each one's minimums.

    The machine is shared (2 cores, other test runs): noise only ever adds time, so the minimum
    is the best estimate of the cost itself, and interleaving gives every action the same
    chances of a quiet moment. Garbage is collected before each run so that no run pays for
    the previous one's.
    """
    wall = dict.fromkeys(actions, float("inf"))
    cpu = dict.fromkeys(actions, float("inf"))
    for _ in range(repetitions):
        for label, action in actions.items():
            gc.collect()
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            action()
            cpu[label] = min(cpu[label], time.process_time() - cpu_start)
            wall[label] = min(wall[label], time.perf_counter() - wall_start)
    return {label: Timing(wall[label], cpu[label]) for label in actions}


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


@contextmanager
def children_without_stderr() -> Iterator[None]:
    """Processes started inside inherit a null stderr: Pulumi's provider host writes every
    progress line of our waiter there, which would bury the tables."""
    saved = os.dup(2)
    with open(os.devnull, "wb") as null:
        os.dup2(null.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
