"""Many resources waiting at once in one provider host, and the rest of the stack still served.

Pulumi's host serves calls from 4 worker threads; our providers widen that pool when they are
configured (`components/core/host.py`). The negative control runs the same stack with the pool
kept at Pulumi's 4 (`SAGESTACK_PROVIDER_HOST_WORKERS=4`): there the fifth wait and an unrelated
Check queue behind the first four.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.core.host import WORKERS_VARIABLE
from components.providers.feature_group import FeatureGroupProvider
from components.providers.training_job import TrainingJobProvider
from sagestack.testing.local_aws import DEFAULT_REGION, LocalAws
from sagestack.testing.provider_host import Deployment, ProviderHost, urn_for
from tests.sagemaker_requests import training_job

JOBS = 8
TRAINING_SECONDS = 3.0


def job_inputs(token: str) -> dict[str, Any]:
    request = training_job("unused")
    del request["TrainingJobName"]
    return {"name_prefix": "wide", "retrain_token": token, "request": request}


def check_seconds(host: ProviderHost) -> float:
    """How long the Check of an unrelated feature group takes to answer."""
    inputs = {
        "feature_group_name": "unrelated",
        "record_identifier": "id",
        "event_time": "ts",
        "features": [{"FeatureName": "id", "FeatureType": "String"}, {"FeatureName": "ts", "FeatureType": "String"}],
        "online_store": {"EnableOnlineStore": True},
        "__provider": serialize_provider(FeatureGroupProvider()),
    }
    start = time.perf_counter()
    _, failures = host.check(urn_for("unrelated"), {}, inputs)
    assert failures == []
    return time.perf_counter() - start


@pytest.mark.parametrize(("workers", "widened"), [(None, True), ("4", False)], ids=["ours", "pulumis-pool"])
def test_many_waits_at_once_leave_the_host_free(aws: LocalAws, workers: str | None, widened: bool) -> None:
    aws.set_durations({"training_job": {"starting": 0.1, "downloading": 0.1, "training": TRAINING_SECONDS}})
    env = {**aws.env(), **({WORKERS_VARIABLE: workers} if workers else {})}
    with ProviderHost(env=env) as host:
        host.configure({"aws:region": DEFAULT_REGION})
        check_seconds(host)  # the feature group provider is loaded (and the pool widened) before the jobs
        finished: list[float] = []
        start = time.perf_counter()

        def up(token: str) -> None:
            Deployment(host).up(token, TrainingJobProvider(), job_inputs(token))
            finished.append(time.perf_counter() - start)

        threads = [threading.Thread(target=up, args=(f"job-{n}",)) for n in range(JOBS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while aws.calls().get("sagemaker:CreateTrainingJob", 0) < min(JOBS, 4) and time.monotonic() < deadline:
            time.sleep(0.05)
        waited = check_seconds(host)
        for thread in threads:
            thread.join(timeout=60)

    assert len(finished) == JOBS
    if widened:
        assert waited < 1.0, f"an unrelated Check waited {waited:.1f} s behind {JOBS} waiting creates"
        assert aws.calls()["sagemaker:CreateTrainingJob"] == JOBS
        assert max(finished) < 2 * TRAINING_SECONDS + 3, f"{JOBS} jobs took {max(finished):.1f} s: not at once"
    else:  # the limit this fixes: the Check queues behind the waits
        assert waited > TRAINING_SECONDS / 2, f"the Check answered in {waited:.1f} s with Pulumi's 4 workers"
        assert max(finished) > 2 * TRAINING_SECONDS
