"""Scale under the real engine: 50 dynamic resources in one stack, `up` then a no-change `preview`.

The Pulumi CLI (yours on PATH, or `make pulumi-cli`'s) runs an inline program of 20 training jobs,
20 feature groups and 10 model-package versions against the local AWS with short status
durations, through the Automation API (file backend, passphrase secrets). Reported: the wall time
of `up` from empty, of a no-change `preview` and of a no-change `up`, with the SageMaker Describe
calls each made (the local AWS counts them). A no-change preview should make no AWS call at all:
Check and Diff work from the program and the state.

    python -m bench.engine_scale
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.report import children_without_stderr, markdown_table
from components import Compute, Feature, FeatureGroup, ModelPackage, OnlineStore, OutputDataConfig, TrainingJob
from sagestack.testing.engine import EngineStack, engine_unavailable
from sagestack.testing.local_aws import LocalAws

JOBS, GROUPS, PACKAGES = 20, 20, 10
PACKAGE_GROUP = "bench-models"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
IMAGE = "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1"
DURATIONS = {
    "training_job": {"starting": 0.2, "downloading": 0.2, "training": 0.5, "uploading": 0.2},
    "feature_group": {"creating": 0.5},
    "model_package": {"pending": 0.1, "in_progress": 0.2},
}


def program() -> None:
    for index in range(JOBS):
        TrainingJob(
            f"job-{index}",
            image_uri=IMAGE,
            role_arn=ROLE,
            compute=Compute(instance_type="ml.m5.large", instance_count=1),
            output_data_config=OutputDataConfig(s3_output_path=f"s3://data/bench/{index}"),
        )
    for index in range(GROUPS):
        FeatureGroup(
            f"group-{index}",
            record_identifier="id",
            event_time="ts",
            features=[Feature(name="id", type="String"), Feature(name="ts", type="Fractional")],
            online_store=OnlineStore(),
        )
    for index in range(PACKAGES):
        ModelPackage(
            f"model-{index}",
            group_name=PACKAGE_GROUP,
            image_uri=IMAGE,
            model_data_url=f"s3://data/bench/{index}/model.tar.gz",
        )


def describes(aws: LocalAws) -> int:
    return sum(n for op, n in aws.calls().items() if op.startswith("sagemaker:Describe"))


def timed(aws: LocalAws, action: Callable[[], object]) -> tuple[float, int]:
    aws.clear_calls()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start, describes(aws)


def main() -> None:
    if (reason := engine_unavailable()) is not None:
        raise SystemExit(f"engine_scale: {reason}")
    with children_without_stderr():
        aws = LocalAws.start(port=0, durations=DURATIONS)
    try:
        aws.client("sagemaker").create_model_package_group(ModelPackageGroupName=PACKAGE_GROUP)
        with tempfile.TemporaryDirectory() as root:
            stack = EngineStack(program, aws, Path(root))
            try:
                rows = []
                up_time, up_calls = timed(aws, stack.up)
                created = len([r for r in stack.resources() if r["type"].startswith("pulumi-python:dynamic/")])
                rows.append(["`up` from empty", f"{up_time:.1f} s", str(up_calls)])
                preview_time, preview_calls = timed(aws, lambda: stack.preview(expect_no_changes=True))
                rows.append(["no-change `preview`", f"{preview_time:.1f} s", str(preview_calls)])
                again_time, again_calls = timed(aws, lambda: stack.up(expect_no_changes=True))
                rows.append(["no-change `up`", f"{again_time:.1f} s", str(again_calls)])
                stack.destroy()
            finally:
                stack.close()
    finally:
        aws.stop()
    print(f"## Engine scale: {created} dynamic resources in one stack (real Pulumi CLI, local AWS)\n")
    print(markdown_table(["operation", "wall time", "SageMaker Describe calls"], rows))


if __name__ == "__main__":
    main()
