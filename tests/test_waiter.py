"""The shared waiter, in virtual time: lag, call counts, outcomes, and its specs vs the API model."""

from __future__ import annotations

from typing import Any

import pytest

from components.core.waiter import PollPolicy, ResourceVanished, Waiter, WaitFailed, WaitTimedOut
from components.providers.training_job import TrainingJobProvider

COMPLETION = TrainingJobProvider.lifecycle.until_ready
STOPPED = TrainingJobProvider.lifecycle.until_settled


class VirtualClock:
    def __init__(self) -> None:
        self.time = 0.0

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.time += seconds


def run_job(duration: float, end: str = "Completed") -> tuple[float, int]:
    """Wait for a job that ends at `duration`: returns (detection lag, Describe calls)."""
    clock, calls = VirtualClock(), []

    def describe() -> dict[str, Any]:
        calls.append(clock.time)
        done = clock.time >= duration
        return {"TrainingJobStatus": end if done else "InProgress", "SecondaryStatus": end if done else "Training"}

    Waiter(clock=clock, log=lambda _: None).wait(describe, COMPLETION, timeout=10 * duration, label="job")
    return clock.time - duration, len(calls)


@pytest.mark.parametrize("duration", [1, 7, 30, 61, 300, 1234, 3600, 6 * 3600])
def test_lag_stays_within_two_seconds_or_five_percent(duration: float) -> None:
    lag, _ = run_job(duration)
    assert lag <= max(2.0, 0.05 * duration) + 1e-9


def test_calls_grow_slowly_with_duration() -> None:
    calls = {duration: run_job(duration)[1] for duration in (30, 300, 3600, 6 * 3600)}
    assert calls[30] <= 16
    assert calls[3600] < 120
    assert calls[6 * 3600] < 200, "the 300 s ceiling bounds long waits"


def test_quick_phases_restart_from_the_floor() -> None:
    assert PollPolicy().delay(waited=3000) == 150.0
    assert PollPolicy().delay(waited=3000, in_phase=0) == 2.0
    assert PollPolicy().delay(waited=3000, in_phase=100) == 5.0
    assert PollPolicy().delay(waited=10**6) == 300.0


def test_failure_status_raises_with_the_last_response() -> None:
    clock = VirtualClock()
    states = iter([{"TrainingJobStatus": "InProgress"}, {"TrainingJobStatus": "Failed", "FailureReason": "OOM"}])
    with pytest.raises(WaitFailed) as failed:
        Waiter(clock=clock, log=lambda _: None).wait(lambda: next(states), COMPLETION, timeout=60, label="job")
    assert failed.value.state["FailureReason"] == "OOM"
    assert clock.time == 2.0


def test_timeout_raises_with_the_time_waited() -> None:
    clock = VirtualClock()
    with pytest.raises(WaitTimedOut) as timed_out:
        Waiter(clock=clock, log=lambda _: None).wait(
            lambda: {"TrainingJobStatus": "InProgress"}, COMPLETION, timeout=100, label="job"
        )
    assert timed_out.value.waited == 100


def test_gone_ends_a_delete_wait_and_fails_a_create_wait() -> None:
    waiter = Waiter(clock=VirtualClock(), log=lambda _: None)
    assert waiter.wait(lambda: None, STOPPED, timeout=10, label="job") is None
    with pytest.raises(ResourceVanished):
        waiter.wait(lambda: None, COMPLETION, timeout=10, label="job")


def test_progress_is_logged_once_per_change() -> None:
    lines: list[str] = []
    states = iter(["Starting", "Starting", "Training", "Completed"])

    def describe() -> dict[str, Any]:
        phase = next(states)
        return {"TrainingJobStatus": "Completed" if phase == "Completed" else "InProgress", "SecondaryStatus": phase}

    Waiter(clock=VirtualClock(), log=lines.append).wait(describe, COMPLETION, timeout=60, label="job x")
    assert [line.split(" after")[0] for line in lines] == [
        "job x: InProgress/Starting",
        "job x: InProgress/Training",
        "job x: Completed/Completed",
    ]
