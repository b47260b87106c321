"""Concurrency: four training jobs created at once through one provider host vs. one job alone.

`pulumi up` sends independent creates to the dynamic-provider host in parallel, and Pulumi's host
(`python -m pulumi.dynamic`) serves them from 4 gRPC worker threads with one cached provider
object. This starts the local AWS with fixed training-job phase durations (7 s in all, so waiting
dominates), one ProviderHost, and runs `up` (Check + Create, waiting for Completed) of

- one training job alone, and
- four different training jobs from four threads at the same moment,

interleaved, each a fresh request (a new `retrain_token`, so a new content-addressed job). The
host is warmed up first (provider unpickled, botocore's model and client loaded), as it is after
the first resource of a real `up`. Reported: the fastest wall time of each over the repetitions,
their ratio, and how far apart the four concurrent `up`s finished. Target: <= 1.3x; nothing in
our code may serialise the jobs.

    python -m bench.concurrency
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from bench.report import children_without_stderr, markdown_table, verdict
from components.providers.training_job import TrainingJobProvider
from sagestack.testing.local_aws import DEFAULT_REGION, LocalAws
from sagestack.testing.provider_host import Deployment, ProviderHost

CONCURRENT_JOBS = 4
REPETITIONS = 3
TARGET_RATIO = 1.3
PHASE_SECONDS = {"starting": 1.0, "downloading": 1.0, "training": 4.0, "uploading": 1.0}
"""7 s in all: the waiter polls every 2 s at first, so a job alone is seen Completed about 1 s
after it completes, with 1 s of margin either way for the RPCs' own latency."""
WARM_UP_PHASE_SECONDS = {"starting": 0.1, "downloading": 0.1, "training": 0.1, "uploading": 0.1}
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
IMAGE = "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1"


def job_inputs(retrain_token: str) -> dict[str, Any]:
    return {
        "name_prefix": "bench-concurrency",
        "retrain_token": retrain_token,
        "tags": {"environment": "bench"},
        "request": {
            "RoleArn": ROLE,
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "InputDataConfig": [
                {
                    "ChannelName": "train",
                    "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://data/churn/train"}},
                }
            ],
            "OutputDataConfig": {"S3OutputPath": "s3://data/churn/output"},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "HyperParameters": {"objective": "binary:logistic", "max_depth": "5"},
        },
    }


@dataclass(frozen=True)
class JobRun:
    started: float
    finished: float
    status: str


@dataclass(frozen=True)
class Round:
    wall: float
    jobs: list[JobRun]


class TrainingRounds:
    """Rounds of training-job `up`s through one provider host, each job a new request."""

    def __init__(self, host: ProviderHost) -> None:
        self.host = host
        self.tokens = 0

    def _fresh_token(self) -> str:
        self.tokens += 1
        return f"bench-{time.time_ns()}-{self.tokens}"

    def up(self, retrain_token: str, into: list[JobRun]) -> None:
        started = time.perf_counter()
        step = Deployment(self.host).up(retrain_token, TrainingJobProvider(), job_inputs(retrain_token))
        into.append(JobRun(started, time.perf_counter(), step.state.outputs["status"]))

    def run(self, jobs: int) -> Round:
        """`up` of `jobs` different training jobs, each from its own thread, all started at once."""
        finished: list[JobRun] = []
        tokens = [self._fresh_token() for _ in range(jobs)]
        threads = [threading.Thread(target=self.up, args=(token, finished)) for token in tokens]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
        if len(finished) != jobs or any(job.status != "Completed" for job in finished):
            raise RuntimeError(f"expected {jobs} completed jobs, got {finished}")
        return Round(wall, finished)


def spread(times: list[float]) -> float:
    return max(times) - min(times)


def main() -> None:
    aws = LocalAws.start(port=0)
    try:
        with children_without_stderr():
            host = ProviderHost(env=aws.env())
        with host:
            host.configure({"aws:region": DEFAULT_REGION})
            rounds = TrainingRounds(host)
            aws.set_durations({"training_job": WARM_UP_PHASE_SECONDS})
            rounds.run(CONCURRENT_JOBS)
            aws.set_durations({"training_job": PHASE_SECONDS})
            alone: list[Round] = []
            together: list[Round] = []
            for _ in range(REPETITIONS):
                alone.append(rounds.run(1))
                together.append(rounds.run(CONCURRENT_JOBS))
            creates = aws.calls().get("sagemaker:CreateTrainingJob", 0)
    finally:
        aws.stop()
    fastest_alone = min(alone, key=lambda round_: round_.wall)
    fastest_together = min(together, key=lambda round_: round_.wall)
    ratio = fastest_together.wall / fastest_alone.wall
    print(
        markdown_table(
            ["training jobs through one provider host", "fastest wall time", "vs. one job"],
            [
                ["1", f"{fastest_alone.wall:.2f} s", "1.00x"],
                [f"{CONCURRENT_JOBS} at once", f"{fastest_together.wall:.2f} s", f"**{ratio:.2f}x**"],
            ],
        )
    )
    phases = ", ".join(f"{phase} {seconds:g} s" for phase, seconds in PHASE_SECONDS.items())
    print(f"\nEach job runs {sum(PHASE_SECONDS.values()):g} s in the local AWS ({phases});")
    print(
        f"`up` = Check + Create through Pulumi's own host; fastest of {REPETITIONS} rounds each, interleaved; "
        f"{creates} jobs created in all."
    )
    print(
        f"In the fastest concurrent round the {CONCURRENT_JOBS} `up`s finished within "
        f"{spread([job.finished for job in fastest_together.jobs]) * 1000:.0f} ms of each other "
        f"(each took {min(job.finished - job.started for job in fastest_together.jobs):.2f}-"
        f"{max(job.finished - job.started for job in fastest_together.jobs):.2f} s)."
    )
    print(
        f"Target: {CONCURRENT_JOBS} jobs / 1 job <= {TARGET_RATIO}x: {verdict(ratio <= TARGET_RATIO)} ({ratio:.2f}x)."
    )


if __name__ == "__main__":
    main()
