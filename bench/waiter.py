"""Waiting for every dynamic resource, in virtual time, against the local AWS.

Measured: each wait our providers make - training job completion, endpoint create and update,
feature group create and update (LastUpdateStatus), model package registration - at a short and
a long length (training jobs at four, 1 h among them, which the calls-per-hour target is defined
on). Each policy runs the provider's own `WaitSpec` against the real Describe operation over
HTTP while the local AWS's frozen clock moves only when the policy sleeps. Reported per policy:
the detection lag (from the moment the emulator's timeline reaches the end status to the moment
the waiter sees it) and the number of Describe calls, worst of four slightly stretched lengths.

Ours is the shared waiter (`components.core.waiter`). The peers are the same engine with their
fixed intervals (DESIGN.md section 5): sagemaker-core's 5 s poll, ACK's 30 s requeue, and the
boto3 waiter on the same operation and end status, with its delay and attempts read from
botocore's waiters-2.json (like boto3, it gives up after its last attempt; botocore has none for
feature groups or model packages, and the table says so).

Runs are spread over one worker process per CPU, each with its own local AWS; in virtual time the
numbers do not depend on that, only the run time does (about 2 minutes on 2 cores).

    python -m bench.waiter
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as EventType
from queue import Empty
from typing import Any

import botocore.session
from botocore.waiter import SingleWaiterConfig, WaiterModel

from bench.report import markdown_table, verdict
from components.core.waiter import PollPolicy, Waiter, WaitSpec, WaitTimedOut, field_at
from components.providers import endpoint, feature_group, model_package, training_job
from sagestack.testing.local_aws import LocalAws

LAG_FLOOR_SECONDS = 2.0
LAG_FRACTION = 0.05
CALLS_PER_HOUR = 100
OFFSETS = (0.0, 0.013, 0.029, 0.047)
"""Lengths are stretched by these fractions, so no policy's interval divides them evenly."""

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/x:1"
MODEL_DATA = "s3://bench/output/model.tar.gz"

Describe = Callable[[], dict[str, Any] | None]
Start = Callable[[LocalAws, Any, str, float], Describe]
"""Sets the emulator's durations, creates what the operation needs, starts it (at the frozen
"now") and returns the Describe call to wait on. `seconds`: how long the operation takes."""


# --- starting each operation ----------------------------------------------------------------


def start_training_job(aws: LocalAws, sm: Any, name: str, seconds: float) -> Describe:
    # A typical job: provisioning and download take minutes at most, the upload about a minute.
    starting, downloading, uploading = min(0.1 * seconds, 180), min(0.05 * seconds, 120), min(0.05 * seconds, 60)
    training = seconds - starting - downloading - uploading
    phases = {"starting": starting, "downloading": downloading, "training": training, "uploading": uploading}
    aws.set_durations({"training_job": phases})
    sm.create_training_job(
        TrainingJobName=name,
        RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://bench/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 86400},
    )
    return lambda: sm.describe_training_job(TrainingJobName=name)


def _endpoint_configs(sm: Any, name: str, count: int) -> list[str]:
    sm.create_model(
        ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE, "ModelDataUrl": MODEL_DATA}
    )
    names = [f"{name}-{index}" for index in range(count)]
    for config_name in names:
        variant = {
            "VariantName": "primary",
            "ModelName": name,
            "InitialInstanceCount": 1,
            "InstanceType": "ml.m5.large",
        }
        sm.create_endpoint_config(EndpointConfigName=config_name, ProductionVariants=[variant])
    return names


def start_endpoint_create(aws: LocalAws, sm: Any, name: str, seconds: float) -> Describe:
    aws.set_durations({"endpoint": {"creating": seconds}})
    (config,) = _endpoint_configs(sm, name, 1)
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
    return lambda: sm.describe_endpoint(EndpointName=name)


def start_endpoint_update(aws: LocalAws, sm: Any, name: str, seconds: float) -> Describe:
    # Created in no time, so the update starts at once from InService.
    aws.set_durations({"endpoint": {"creating": 0, "updating": seconds}})
    first, second = _endpoint_configs(sm, name, 2)
    sm.create_endpoint(EndpointName=name, EndpointConfigName=first)
    sm.update_endpoint(EndpointName=name, EndpointConfigName=second)
    return lambda: sm.describe_endpoint(EndpointName=name)


def _create_feature_group(sm: Any, name: str) -> None:
    sm.create_feature_group(
        FeatureGroupName=name,
        RecordIdentifierFeatureName="customer_id",
        EventTimeFeatureName="event_time",
        FeatureDefinitions=[
            {"FeatureName": "customer_id", "FeatureType": "String"},
            {"FeatureName": "event_time", "FeatureType": "Fractional"},
        ],
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://bench/feature-store"}},
        RoleArn=ROLE,
    )


def start_feature_group_create(aws: LocalAws, sm: Any, name: str, seconds: float) -> Describe:
    aws.set_durations({"feature_group": {"creating": seconds}})
    _create_feature_group(sm, name)
    return lambda: sm.describe_feature_group(FeatureGroupName=name)


def start_feature_group_update(aws: LocalAws, sm: Any, name: str, seconds: float) -> Describe:
    aws.set_durations({"feature_group": {"creating": 0, "updating": seconds}})
    _create_feature_group(sm, name)
    sm.update_feature_group(FeatureGroupName=name, FeatureAdditions=[{"FeatureName": "age", "FeatureType": "Integral"}])
    return lambda: sm.describe_feature_group(FeatureGroupName=name)


def start_model_package(aws: LocalAws, sm: Any, name: str, seconds: float) -> Describe:
    # Pending is the queue before validation starts; the validation itself is the long part.
    pending = min(0.1 * seconds, 30)
    aws.set_durations({"model_package": {"pending": pending, "in_progress": seconds - pending}})
    sm.create_model_package_group(ModelPackageGroupName=name)
    arn = sm.create_model_package(
        ModelPackageGroupName=name,
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": MODEL_DATA}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )["ModelPackageArn"]
    return lambda: sm.describe_model_package(ModelPackageName=arn)


@dataclass(frozen=True)
class Case:
    """One wait a provider makes, and the operation lengths it is measured at."""

    resource: str
    spec: WaitSpec
    start: Start
    lengths: dict[str, float]


READY_TRAINING_JOB = training_job.TrainingJobProvider.lifecycle.until_ready
READY_ENDPOINT = endpoint.EndpointProvider.lifecycle.until_ready
READY_FEATURE_GROUP = feature_group.FeatureGroupProvider.lifecycle.until_ready
READY_MODEL_PACKAGE = model_package.ModelPackageProvider.lifecycle.until_ready
"""What each provider waits for after a create (from its lifecycle record)."""

CASES = (
    Case(
        "training job",
        READY_TRAINING_JOB,
        start_training_job,
        {"30 s": 30, "5 min": 300, "1 h": 3600, "6 h": 6 * 3600},
    ),
    Case(
        "endpoint create",
        READY_ENDPOINT,
        start_endpoint_create,
        {"5 min": 300, "30 min": 1800},
    ),
    Case(
        "endpoint update",
        READY_ENDPOINT,
        start_endpoint_update,
        {"5 min": 300, "30 min": 1800},
    ),
    Case(
        "feature group create",
        READY_FEATURE_GROUP,
        start_feature_group_create,
        {"30 s": 30, "5 min": 300},
    ),
    # Adding features or changing the TTL or throughput: seconds to a few minutes.
    Case("feature group update", feature_group.UPDATED, start_feature_group_update, {"10 s": 10, "2 min": 120}),
    # Without a validation profile a package completes in seconds; validating runs a transform job.
    Case(
        "model package",
        READY_MODEL_PACKAGE,
        start_model_package,
        {"10 s": 10, "20 min": 1200},
    ),
)


# --- the peers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Boto3Waiter:
    name: str
    delay: float
    max_attempts: int


@functools.cache
def boto3_waiter(spec: WaitSpec) -> Boto3Waiter | None:
    """botocore's SageMaker waiter that waits for what `spec` waits for: the same operation, with
    a success acceptor on the same status field expecting one of the spec's success statuses."""
    loader = botocore.session.get_session().get_component("data_loader")
    model = WaiterModel(loader.load_service_model("sagemaker", "waiters-2"))
    for name in model.waiter_names:
        config: SingleWaiterConfig = model.get_waiter(name)
        if config.operation != spec.operation:
            continue
        for acceptor in config.acceptors:
            on_status = acceptor.matcher == "path" and acceptor.argument == spec.status_field
            if acceptor.state == "success" and on_status and acceptor.expected in spec.success:
                return Boto3Waiter(name, float(config.delay), int(config.max_attempts))
    return None


@dataclass(frozen=True)
class Contender:
    """A way of waiting: its polling policy and when it gives up."""

    policy: PollPolicy
    give_up_after: Callable[[float], float]
    """Seconds it waits at most, given the operation's length."""


def fixed_interval(seconds: float) -> PollPolicy:
    return PollPolicy(floor_seconds=seconds, fraction=0, ceiling_seconds=seconds)


def patient(length: float) -> float:
    # Far beyond the operation's length: these contenders are measured until they see the end.
    return 10 * length


OURS = "ours: max(2 s, 5 %), phase-aware"
BOTO3 = "boto3 waiter"
FIXED_PEERS = {
    "sagemaker-core wait(): 5 s": Contender(fixed_interval(5), patient),
    "ACK requeue: 30 s": Contender(fixed_interval(30), patient),
}


def contenders(spec: WaitSpec) -> dict[str, Contender | None]:
    """Ours, then the peers; None where the peer has no way to wait for this."""
    found = boto3_waiter(spec)
    boto3: Contender | None = None
    if found is not None:
        # boto3 calls max_attempts times, sleeping `delay` between calls, then raises.
        budget = found.delay * (found.max_attempts - 1)
        boto3 = Contender(fixed_interval(found.delay), lambda _: budget)
    return {OURS: Contender(PollPolicy(), patient), **FIXED_PEERS, BOTO3: boto3}


# --- measuring ------------------------------------------------------------------------------


class LocalAwsClock:
    """The local AWS's frozen clock: sleeping advances it."""

    def __init__(self, aws: LocalAws) -> None:
        self.aws = aws
        self.time = aws.now()

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.time = self.aws.advance_clock(seconds)


@dataclass(frozen=True)
class Task:
    """One run: a case at one of its lengths, stretched by one offset, waited on by one contender."""

    case_index: int
    label: str
    contender: str
    offset_index: int

    @property
    def case(self) -> Case:
        return CASES[self.case_index]

    @property
    def seconds(self) -> float:
        return self.case.lengths[self.label] * (1 + OFFSETS[self.offset_index])


@dataclass(frozen=True)
class Run:
    lag: float | None
    """None: gave up before the operation ended."""
    calls: int


def measure(aws: LocalAws, sm: Any, task: Task) -> Run:
    case, seconds = task.case, task.seconds
    contender = contenders(case.spec)[task.contender]
    assert contender is not None
    aws.reset()
    aws.freeze_clock()
    name = f"bench-{task.case_index}-{task.offset_index}"
    describe = case.start(aws, sm, name, seconds)
    aws.clear_calls()
    clock = LocalAwsClock(aws)
    ends_at = clock.now() + seconds
    waiter = Waiter(clock=clock, policy=contender.policy, log=lambda _: None)
    try:
        state = waiter.wait(describe, case.spec, timeout=contender.give_up_after(seconds), label=name)
    except WaitTimedOut:
        lag = None
    else:
        assert state is not None and field_at(state, case.spec.status_field) in case.spec.success
        lag = clock.now() - ends_at
    return Run(lag, aws.calls().get(f"sagemaker:{case.spec.operation}", 0))


def run_tasks(pending: Queue[Task | None], done: Queue[tuple[Task, Run]], stop: EventType) -> None:
    """A worker process with its own local AWS (each has one frozen clock): runs tasks until None."""
    aws = LocalAws.start()
    try:
        sm = aws.client("sagemaker")  # one client for all runs: making one takes longer than most runs
        while not stop.is_set() and (task := pending.get()) is not None:
            done.put((task, measure(aws, sm, task)))
    finally:
        aws.stop()


def run_all(tasks: list[Task], workers: int) -> dict[Task, Run]:
    """Runs `tasks` on `workers` processes: virtual time makes the results independent of that."""
    context = multiprocessing.get_context()
    pending: Queue[Task | None] = context.Queue()
    done: Queue[tuple[Task, Run]] = context.Queue()
    stop = context.Event()
    # Longest first, so no long run is left for the end while the other workers idle.
    for task in sorted(tasks, key=lambda task: task.seconds, reverse=True):
        pending.put(task)
    processes = [context.Process(target=run_tasks, args=(pending, done, stop)) for _ in range(workers)]
    for process in processes:
        pending.put(None)
        process.start()
    runs: dict[Task, Run] = {}
    try:
        while len(runs) < len(tasks):
            try:
                task, run = done.get(timeout=1)
            except Empty:
                if any(process.exitcode not in (None, 0) for process in processes):
                    raise RuntimeError("a benchmark worker failed; its traceback is above") from None
                continue
            runs[task] = run
    finally:
        stop.set()  # a worker stops its own local AWS on the way out: let it, rather than kill it
        for process in processes:
            process.join()
    return runs


# --- reporting ------------------------------------------------------------------------------


def lag_bound(length: float) -> float:
    return max(LAG_FLOOR_SECONDS, LAG_FRACTION * length)


def call_budget(length: float) -> int:
    """100 calls for anything up to an hour, 100 per hour beyond."""
    return math.floor(CALLS_PER_HOUR * max(1.0, length / 3600))


@dataclass(frozen=True)
class Worst:
    """The worst of a contender's runs at one length: the longest lag, the most calls."""

    lag: float | None
    """None: it gave up in at least one run."""
    calls: int

    @classmethod
    def of(cls, runs: list[Run]) -> Worst:
        lags = [run.lag for run in runs]
        worst_lag = None if None in lags else max(lag for lag in lags if lag is not None)
        return cls(worst_lag, max(run.calls for run in runs))

    def cell(self) -> str:
        return f"{'gives up' if self.lag is None else f'{self.lag:.1f} s'} / {self.calls}"

    def verdict(self, length: float) -> str:
        """Against the target at the unstretched length, the strictest of the four."""
        misses: list[str] = []
        if self.lag is None or self.lag > lag_bound(length):
            misses.append("lag")
        if self.calls > call_budget(length):
            misses.append(f"calls {self.calls} > {call_budget(length)}")
        return verdict(not misses) + (f" ({', '.join(misses)})" if misses else "")


def main() -> None:
    columns = [OURS, *FIXED_PEERS, BOTO3]
    tasks = [
        Task(case_index, label, column, offset_index)
        for case_index, case in enumerate(CASES)
        for label in case.lengths
        for column, contender in contenders(case.spec).items()
        if contender is not None
        for offset_index in range(len(OFFSETS))
    ]
    runs: dict[tuple[int, str, str], list[Run]] = {}
    for task, run in run_all(tasks, workers=os.cpu_count() or 1).items():
        runs.setdefault((task.case_index, task.label, task.contender), []).append(run)
    rows: list[list[str]] = []
    for case_index, case in enumerate(CASES):
        for label, length in case.lengths.items():
            worst = {
                column: Worst.of(runs[case_index, label, column])
                for column in columns
                if (case_index, label, column) in runs
            }
            cells = [worst[column].cell() if column in worst else "no waiter" for column in columns]
            target = f"{lag_bound(length):.1f} s / {call_budget(length)}"
            rows.append([case.resource, label, *cells, target, worst[OURS].verdict(length)])
    print(markdown_table(["resource", "length", *columns, "target", "ours"], rows))
    operations = ", ".join(sorted({case.spec.operation for case in CASES}))
    print(
        f"\nCells: worst detection lag / most Describe calls ({operations}) over {len(OFFSETS)} lengths, "
        f"stretched by up to {max(OFFSETS):.1%}."
    )
    print(
        f"Target: lag <= max({LAG_FLOOR_SECONDS:g} s, {LAG_FRACTION:.0%} of the time waited); "
        f"<= {CALLS_PER_HOUR} calls up to 1 h waited, {CALLS_PER_HOUR} per hour beyond."
    )
    print("boto3 waiters, from botocore's waiters-2.json ('gives up': its last attempt came before the end):")
    for case in CASES:
        found = boto3_waiter(case.spec)
        if found is None:
            wanted = " or ".join(sorted(case.spec.success))
            print(f"- {case.resource}: none waits for {case.spec.operation} {case.spec.status_field} {wanted}")
        else:
            print(f"- {case.resource}: {found.name}, every {found.delay:g} s, {found.max_attempts} attempts")


if __name__ == "__main__":
    main()
