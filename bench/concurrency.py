"""Concurrency: N long creates at once vs. one alone, through Pulumi's provider host and `pulumi up`.

Pulumi's dynamic-provider host serves a program's calls from 4 worker threads, and our creates
block while SageMaker works; our providers widen that pool when configured
(`components/core/host.py`). For N = 1, 4, 8, 16 and 32 this measures, against the local AWS
with fixed status durations (so waiting dominates):

- **host**: N creates sent at once to one `python -m pulumi.dynamic` (as the engine sends
  independent creates), training jobs and feature groups; the wall time as a ratio to one, and
  how long the Check of an unrelated resource waits while they run. The same with the pool kept
  at Pulumi's 4 (`SAGESTACK_PROVIDER_HOST_WORKERS=4`) shows the limit that is lifted.
- **engine**: `pulumi up` of a program with N training jobs (or N feature groups) through the real
  CLI (skipped where none can be had), as a ratio to the `up` of one.

    python -m bench.concurrency
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from bench.report import children_without_stderr, markdown_table, verdict
from components import Compute, Feature, FeatureGroup, OnlineStore, OutputDataConfig, TrainingJob
from components.core.host import WORKERS_VARIABLE
from components.providers.feature_group import FeatureGroupProvider
from components.providers.training_job import TrainingJobProvider
from sagestack.testing.engine import EngineStack, engine_unavailable
from sagestack.testing.local_aws import DEFAULT_REGION, LocalAws
from sagestack.testing.provider_host import Deployment, ProviderHost, urn_for

COUNTS = (1, 4, 8, 16, 32)
TARGET_RATIO = 1.3
CHECK_TARGET_SECONDS = 1.0
DURATIONS = {
    "training_job": {"starting": 1.0, "downloading": 1.0, "training": 4.0, "uploading": 1.0},
    "feature_group": {"creating": 7.0},
}
"""7 s per resource: long against the RPCs' own latency, short enough for 10 rounds of each kind."""
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
IMAGE = "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1"
FEATURES = [{"FeatureName": "id", "FeatureType": "String"}, {"FeatureName": "ts", "FeatureType": "Fractional"}]


def job_inputs(token: str) -> dict[str, Any]:
    return {
        "name_prefix": "bench-concurrency",
        "retrain_token": token,
        "request": {
            "RoleArn": ROLE,
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "OutputDataConfig": {"S3OutputPath": "s3://data/churn/output"},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
    }


def group_inputs(token: str) -> dict[str, Any]:
    return {
        "feature_group_name": f"bench-{token}",
        "record_identifier": "id",
        "event_time": "ts",
        "features": FEATURES,
        "online_store": {"EnableOnlineStore": True},
    }


@dataclass(frozen=True)
class Kind:
    label: str
    provider: Callable[[], Any]
    inputs: Callable[[str], dict[str, Any]]
    program: Callable[[list[str]], Callable[[], None]]


def jobs_program(tokens: list[str]) -> Callable[[], None]:
    def run() -> None:
        for token in tokens:
            TrainingJob(
                token,
                image_uri=IMAGE,
                role_arn=ROLE,
                compute=Compute(instance_type="ml.m5.xlarge", instance_count=1),
                output_data_config=OutputDataConfig(s3_output_path="s3://data/churn/output"),
                retrain_token=token,
            )
        pulumi.export("count", len(tokens))

    return run


def groups_program(tokens: list[str]) -> Callable[[], None]:
    def run() -> None:
        for token in tokens:
            FeatureGroup(
                token,
                feature_group_name=f"bench-{token}",
                record_identifier="id",
                event_time="ts",
                features=[Feature(name="id", type="String"), Feature(name="ts", type="Fractional")],
                online_store=OnlineStore(),
            )

    return run


KINDS = (
    Kind("training jobs", TrainingJobProvider, job_inputs, jobs_program),
    Kind("feature groups", FeatureGroupProvider, group_inputs, groups_program),
)


class Tokens:
    def __init__(self) -> None:
        self.count = 0

    def take(self, n: int) -> list[str]:
        self.count += n
        stamp = time.time_ns() % 10**9
        return [f"c{stamp}-{self.count - i}" for i in range(n)]


def check_seconds(host: ProviderHost) -> float:
    """How long the Check of an unrelated feature group takes to answer."""
    from pulumi.dynamic.dynamic import serialize_provider  # noqa: PLC0415 - the host's serializer

    inputs = {**group_inputs("unrelated"), "__provider": serialize_provider(FeatureGroupProvider())}
    start = time.perf_counter()
    host.check(urn_for("unrelated"), {}, inputs)
    return time.perf_counter() - start


def host_round(host: ProviderHost, aws: LocalAws, kind: Kind, tokens: list[str]) -> tuple[float, float]:
    """N creates at once through the host: (wall time, seconds an unrelated Check waited meanwhile)."""
    errors: list[BaseException] = []

    def up(token: str) -> None:
        try:
            Deployment(host).up(token, kind.provider(), kind.inputs(token))
        except BaseException as error:
            errors.append(error)

    creates = sum(n for op, n in aws.calls().items() if op.startswith("sagemaker:Create"))
    threads = [threading.Thread(target=up, args=(token,)) for token in tokens]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    while sum(n for op, n in aws.calls().items() if op.startswith("sagemaker:Create")) < creates + min(len(tokens), 4):
        time.sleep(0.05)
    waited = check_seconds(host)
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{kind.label}: {errors[0]}")
    return time.perf_counter() - start, waited


HostResults = dict[str, dict[int, tuple[float, float]]]
"""Per kind, per N: (wall time, seconds an unrelated Check waited)."""


def measure_host(aws: LocalAws, workers: str | None, counts: tuple[int, ...]) -> HostResults:
    env = {**aws.env(), **({WORKERS_VARIABLE: workers} if workers else {})}
    results: HostResults = {}
    tokens = Tokens()
    with children_without_stderr():
        host = ProviderHost(env=env)
    with host:
        host.configure({"aws:region": DEFAULT_REGION})
        check_seconds(host)  # load the providers first, as the first resources of an `up` do
        for kind in KINDS:
            results[kind.label] = {n: host_round(host, aws, kind, tokens.take(n)) for n in counts}
    return results


ENGINE_RUNS = ((1, None), (4, None), (8, None), (16, None), (32, None), (16, 64), (32, 64))
"""(resources at once, `--parallel`): the engine's default (4 x CPUs) and room for all."""


def measure_engine(aws: LocalAws) -> dict[str, dict[tuple[int, int | None], float]]:
    results: dict[str, dict[tuple[int, int | None], float]] = {}
    tokens = Tokens()
    with tempfile.TemporaryDirectory() as root:
        for kind in KINDS:
            results[kind.label] = {}
            for n, parallel in ENGINE_RUNS:
                folder = Path(root) / f"{kind.label}-{n}-{parallel}".replace(" ", "-")
                stack = EngineStack(kind.program(tokens.take(n)), aws, folder)
                try:
                    start = time.perf_counter()
                    stack.up(parallel=parallel)
                    results[kind.label][(n, parallel)] = time.perf_counter() - start
                finally:
                    stack.close()
    return results


def main() -> None:
    with children_without_stderr():
        aws = LocalAws.start(port=0, durations=DURATIONS)
    try:
        ours = measure_host(aws, None, COUNTS)
        pulumis = measure_host(aws, "4", (1, 8, 32))
        engine = measure_engine(aws) if engine_unavailable() is None else None
    finally:
        aws.stop()

    rows = []
    for kind in KINDS:
        alone = ours[kind.label][1][0]
        for n in COUNTS:
            wall, waited = ours[kind.label][n]
            row = [kind.label, str(n), f"{wall:.1f} s", f"{wall / alone:.2f}x", f"{waited:.2f} s"]
            if n in pulumis[kind.label]:
                base_wall, base_waited = pulumis[kind.label][n]
                base_alone = pulumis[kind.label][1][0]
                row += [f"{base_wall / base_alone:.2f}x", f"{base_waited:.2f} s"]
            else:
                row += ["", ""]
            if engine is not None:
                alone_up = engine[kind.label][(1, None)]
                row += [f"{engine[kind.label][(n, None)] / alone_up:.2f}x"]
                wide = engine[kind.label].get((n, 64))
                row += [f"{wide / alone_up:.2f}x" if wide else ""]
            rows.append(row)
    headers = ["resources", "at once", "host: wall", "host: vs. one", "unrelated Check waited"]
    headers += ["Pulumi's 4 workers: vs. one", "Pulumi's 4 workers: Check waited"]
    if engine is not None:
        headers += ["`pulumi up` (default parallel): vs. one", "`pulumi up --parallel 64`: vs. one"]
    print(markdown_table(headers, rows))
    worst_host = max(ours[k.label][32][0] / ours[k.label][1][0] for k in KINDS)
    worst_check = max(waited for k in KINDS for _, waited in ours[k.label].values())
    print(f"\nEach resource takes 7 s in the local AWS. Host target: 32 at once <= {TARGET_RATIO}x of one: ", end="")
    print(f"{verdict(worst_host <= TARGET_RATIO)} ({worst_host:.2f}x); Check <= {CHECK_TARGET_SECONDS} s: ", end="")
    print(f"{verdict(worst_check <= CHECK_TARGET_SECONDS)} ({worst_check:.2f} s).")
    if engine is not None:
        alone_up = {k.label: engine[k.label][(1, None)] for k in KINDS}
        print(f"A `pulumi up` of one resource takes {min(alone_up.values()):.1f}-{max(alone_up.values()):.1f} s.")
        worst_engine = max(engine[k.label][(32, 64)] / alone_up[k.label] for k in KINDS)
        met = verdict(worst_engine <= TARGET_RATIO)
        print(f"`pulumi up --parallel 64` target: 32 at once <= {TARGET_RATIO}x of one: {met} ({worst_engine:.2f}x).")


if __name__ == "__main__":
    main()
