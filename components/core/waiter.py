"""One waiter for every dynamic resource: phase-aware adaptive polling.

A wait is data (`WaitSpec`, like a botocore waiter: the describe operation, the status field,
which statuses end the wait well or badly). One engine runs them all. Its delay grows with the
time already waited, `max(floor, fraction * waited)`, capped, so the detection lag stays within
`max(2 s, 5 %)` of the time waited while a long job costs few Describe calls; in phases that end
soon (Uploading, Stopping, ...) the growth restarts from the floor. The clock is injectable, so tests and
benchmarks run hours of waiting in virtual time. We never branch on StatusMessage (AWS says its
text may change).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import pulumi

from .host import engine_gone


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Real time (monotonic)."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class PollPolicy:
    """How long to sleep between two Describe calls."""

    floor_seconds: float = 2.0
    fraction: float = 0.05
    ceiling_seconds: float = 300.0

    def delay(self, waited: float, in_phase: float | None = None) -> float:
        """`waited`: seconds since the wait began. `in_phase`: seconds in a phase that usually
        ends soon (None otherwise); there growth restarts from the floor, so the end of a short
        upload is seen within seconds rather than within 5 % of a long training."""
        delay = min(self.ceiling_seconds, max(self.floor_seconds, self.fraction * waited))
        if in_phase is not None:
            delay = min(delay, max(self.floor_seconds, self.fraction * in_phase))
        return delay


def field_at(state: dict[str, Any], path: str) -> Any:
    """A field of a response by dotted path (`LastUpdateStatus.Status`); None where absent."""
    value: Any = state
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


@dataclass(frozen=True)
class WaitSpec:
    """What to wait for, as data: checked against the service model by the tests."""

    operation: str
    status_field: str
    success: frozenset[str]
    failure: frozenset[str] = frozenset()
    phase_field: str | None = None
    ends_soon: frozenset[str] = frozenset()
    """Statuses or phases that usually last seconds: poll at the floor while in them."""
    gone_is_success: bool = False
    """For deletes: the resource no longer being found ends the wait."""


class WaitFailed(Exception):
    """The resource reached a failure status; `state` is the last Describe response."""

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__("reached a failure status")
        self.state = state


class WaitTimedOut(Exception):
    """The timeout ran out first; `state` is the last Describe response."""

    def __init__(self, state: dict[str, Any] | None, waited: float) -> None:
        super().__init__(f"still waiting after {waited:.0f} s")
        self.state = state
        self.waited = waited


class ResourceVanished(Exception):
    """The resource was not found while waiting for it to reach a status."""


class WaitAbandoned(Exception):
    """The engine that asked for the wait is gone (`pulumi up` was killed): stop polling."""


@dataclass
class Waiter:
    """Runs a WaitSpec: `describe` returns the current response, or None when not found."""

    clock: Clock = field(default_factory=SystemClock)
    policy: PollPolicy = field(default_factory=PollPolicy)
    log: Callable[[str], None] = pulumi.log.info
    abandoned: Callable[[], bool] = engine_gone
    """Checked before each sleep: a killed `pulumi up` must not leave its waits polling."""

    def wait(
        self, describe: Callable[[], dict[str, Any] | None], spec: WaitSpec, timeout: float, label: str
    ) -> dict[str, Any] | None:
        start = self.clock.now()
        last_seen: tuple[Any, Any] | None = None
        phase_start = start
        while True:
            state = describe()
            waited = self.clock.now() - start
            if state is None:
                if spec.gone_is_success:
                    return None
                raise ResourceVanished(label)
            status = field_at(state, spec.status_field)
            phase = field_at(state, spec.phase_field) if spec.phase_field else None
            if (status, phase) != last_seen:
                last_seen, phase_start = (status, phase), self.clock.now()
                shown = f"{status}/{phase}" if phase else str(status)
                self.log(f"{label}: {shown} after {waited:.0f} s")
            if status in spec.success:
                return state
            if status in spec.failure:
                raise WaitFailed(state)
            if waited >= timeout:
                raise WaitTimedOut(state, waited)
            if self.abandoned():
                raise WaitAbandoned(f"{label}: the engine is gone; the next `pulumi up` picks this wait up again")
            ends_soon = status in spec.ends_soon or phase in spec.ends_soon
            in_phase = self.clock.now() - phase_start if ends_soon else None
            self.clock.sleep(min(self.policy.delay(waited, in_phase), max(timeout - waited, 0.0)))
