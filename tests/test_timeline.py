"""The status timeline every emulated resource uses (pure logic, no server)."""

from __future__ import annotations

import pytest

from sagestack.local.control import Clock, Durations
from sagestack.local.sagemaker.core import Timeline


def test_state_is_every_step_so_far_merged() -> None:
    timeline = Timeline()
    timeline.plan(100.0, [({"Status": "Creating", "Size": 1}, 10), ({"Status": "InService"}, None)])
    assert timeline.state(99.0) == {}
    assert timeline.state(105.0) == {"Status": "Creating", "Size": 1}
    assert timeline.state(110.0) == {"Status": "InService", "Size": 1}


def test_replanning_keeps_the_past_and_replaces_the_future() -> None:
    timeline = Timeline()
    timeline.plan(0.0, [({"Status": "A"}, 10), ({"Status": "B"}, 10), ({"Status": "C"}, None)])
    timeline.plan(15.0, [({"Status": "Stopping"}, 5), ({"Status": "Stopped"}, None)])
    assert [(value, start, end) for value, start, end in timeline.transitions("Status", 100.0)] == [
        ("A", 0.0, 10.0),
        ("B", 10.0, 15.0),
        ("Stopping", 15.0, 20.0),
        ("Stopped", 20.0, None),
    ]
    assert timeline.first_time("Status", ["Stopped", "C"], 100.0) == 20.0


def test_frozen_clock_moves_only_when_advanced() -> None:
    clock = Clock()
    clock.freeze(at=1000.0)
    assert clock.now() == 1000.0
    clock.advance(60)
    assert clock.now() == 1060.0
    clock.unfreeze()
    assert clock.now() >= 1060.0 and not clock.frozen


def test_duration_assignments_are_validated() -> None:
    durations = Durations.parse_assignments(["training_job.training=30", "endpoint.creating=5"])
    assert (durations.training_job.training, durations.endpoint.creating) == (30.0, 5.0)
    with pytest.raises(ValueError, match=r"KIND\.PHASE=SECONDS"):
        Durations.parse_assignments(["training_job=30"])
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        Durations.parse_assignments(["training_job.training=-1"])
