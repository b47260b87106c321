"""Waiting for training jobs, in virtual time, against the local AWS.

For jobs of 30 s, 5 min, 1 h and 6 h, each policy waits for a real DescribeTrainingJob over HTTP
while the local AWS's frozen clock moves only when the policy sleeps. Reported per policy: the
detection lag (time between the job's TrainingEndTime and the moment the waiter saw it) and the
number of DescribeTrainingJob calls. Ours is the shared waiter (`components.core.waiter`); the
peers are the same engine with their fixed intervals (DESIGN.md section 5).

    python -m bench.waiter
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.core.waiter import PollPolicy, Waiter
from components.providers.training_job import COMPLETION
from sagestack.testing.local_aws import LocalAws

DURATIONS = {"30 s": 30, "5 min": 300, "1 h": 3600, "6 h": 6 * 3600}
POLICIES = {
    "ours: max(2 s, 5 %), phase-aware": PollPolicy(),
    "sagemaker-core wait(): 5 s": PollPolicy(floor_seconds=5, fraction=0, ceiling_seconds=5),
    "ACK requeue: 30 s": PollPolicy(floor_seconds=30, fraction=0, ceiling_seconds=30),
    "boto3 waiter: 120 s": PollPolicy(floor_seconds=120, fraction=0, ceiling_seconds=120),
}
REQUEST: dict[str, Any] = {
    "RoleArn": "arn:aws:iam::123456789012:role/SageMakerExecutionRole",
    "AlgorithmSpecification": {
        "TrainingImage": "123456789012.dkr.ecr.us-west-2.amazonaws.com/x:1",
        "TrainingInputMode": "File",
    },
    "OutputDataConfig": {"S3OutputPath": "s3://bench/output"},
    "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
}


class LocalAwsClock:
    """The local AWS's frozen clock: sleeping advances it."""

    def __init__(self, aws: LocalAws) -> None:
        self.aws = aws
        self.time = aws.now()

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.time = self.aws.advance_clock(seconds)


@dataclass
class Result:
    lag: float
    calls: int


def measure(aws: LocalAws, policy: PollPolicy, seconds: float, name: str) -> Result:
    aws.reset()
    aws.freeze_clock()
    # A typical job: provisioning and download take minutes at most, the upload about a minute.
    starting, downloading, uploading = min(0.1 * seconds, 180), min(0.05 * seconds, 120), min(0.05 * seconds, 60)
    training = seconds - starting - downloading - uploading
    phases = {"starting": starting, "downloading": downloading, "training": training, "uploading": uploading}
    aws.set_durations({"training_job": phases})
    sm = aws.client("sagemaker")
    sm.create_training_job(TrainingJobName=name, **REQUEST)
    clock = LocalAwsClock(aws)
    waiter = Waiter(clock=clock, policy=policy, log=lambda _: None)
    job = waiter.wait(
        lambda: sm.describe_training_job(TrainingJobName=name), COMPLETION, timeout=10 * seconds, label=name
    )
    assert job is not None and job["TrainingJobStatus"] == "Completed"
    lag = clock.now() - job["TrainingEndTime"].timestamp()
    return Result(lag, aws.calls().get("sagemaker:DescribeTrainingJob", 0))


OFFSETS = (0.0, 0.013, 0.029, 0.047)
"""Job lengths are stretched by these fractions, so no policy's interval divides them evenly."""


def main() -> None:
    aws = LocalAws.start()
    results: dict[tuple[str, str], Result] = {}
    try:
        for index, (policy_name, policy) in enumerate(POLICIES.items()):
            for label, seconds in DURATIONS.items():
                runs = [
                    measure(aws, policy, seconds * (1 + offset), f"bench-{index}-{seconds}-{n}")
                    for n, offset in enumerate(OFFSETS)
                ]
                worst_lag = max(run.lag for run in runs)
                results[policy_name, label] = Result(worst_lag, max(run.calls for run in runs))
    finally:
        aws.stop()
    header = "| policy | " + " | ".join(f"{label}: lag / calls" for label in DURATIONS) + " |"
    print(header)
    print("|" + "---|" * (len(DURATIONS) + 1))
    for policy_name in POLICIES:
        cells = [
            f"{results[policy_name, label].lag:.1f} s / {results[policy_name, label].calls}" for label in DURATIONS
        ]
        print(f"| {policy_name} | " + " | ".join(cells) + " |")
    print(f"\nWorst lag and most calls over {len(OFFSETS)} job lengths each.")
    print("Target: lag <= max(2 s, 5 % of the time waited); <= 100 calls for 1 h.")


if __name__ == "__main__":
    main()
