"""The local AWS's job table: processing jobs (its second row) in real boto3 calls, and the table's own checks.

Training jobs, the first row, keep their own tests in test_local_training_jobs.py.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from botocore.model import StructureShape

from sagestack.local.control import ControlState, Durations, FailureFault
from sagestack.local.sagemaker import OPERATIONS, SageMakerLayer
from sagestack.local.sagemaker.core import operation_names, service_model
from sagestack.local.sagemaker.jobs import IN_PROGRESS, JOB_KINDS, Step, register
from sagestack.local.sagemaker.processing_jobs import PROCESSING_JOB
from sagestack.testing.local_aws import LocalAws, LocalAwsError
from tests.aws_errors import aws_error
from tests.sagemaker_requests import IMAGE, ROLE, training_job
from tests.test_local_fidelity import shape_errors

DURATIONS = {"processing": 60.0, "stopping": 5.0}


def processing_job(name: str = "process-1", **overrides: Any) -> dict[str, Any]:
    return {
        "ProcessingJobName": name,
        "RoleArn": ROLE,
        "AppSpecification": {"ImageUri": IMAGE, "ContainerEntrypoint": ["python3", "prepare.py"]},
        "ProcessingResources": {
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10}
        },
        "ProcessingInputs": [
            {
                "InputName": "raw",
                "S3Input": {
                    "S3Uri": "s3://data/raw",
                    "LocalPath": "/opt/ml/processing/input",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                },
            }
        ],
        "Environment": {"STAGE": "prepare"},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        **overrides,
    }


def test_job_runs_in_progress_then_completed(frozen_aws: LocalAws) -> None:
    frozen_aws.set_durations({"processing_job": DURATIONS})
    sm = frozen_aws.client("sagemaker")
    arn = sm.create_processing_job(**processing_job("Prep"))["ProcessingJobArn"]
    assert arn == "arn:aws:sagemaker:us-west-2:123456789012:processing-job/prep"

    job = sm.describe_processing_job(ProcessingJobName="Prep")
    assert (job["ProcessingJobName"], job["ProcessingJobStatus"]) == ("Prep", "InProgress")
    assert job["ProcessingStartTime"] == job["CreationTime"] and "ProcessingEndTime" not in job
    assert job["Environment"] == {"STAGE": "prepare"} and "SecondaryStatus" not in job
    frozen_aws.advance_clock(59)
    assert sm.describe_processing_job(ProcessingJobName="prep")["ProcessingJobStatus"] == "InProgress"
    frozen_aws.advance_clock(1)
    job = sm.describe_processing_job(ProcessingJobName="prep")
    assert job["ProcessingJobStatus"] == "Completed" and "FailureReason" not in job
    assert (job["ProcessingEndTime"] - job["ProcessingStartTime"]).total_seconds() == 60
    assert job["LastModifiedTime"] == job["ProcessingEndTime"]


def test_injected_failure_hits_that_processing_job_only(frozen_aws: LocalAws) -> None:
    frozen_aws.set_durations({"processing_job": DURATIONS})
    frozen_aws.fail_resource("processing_job", "ClientError: prepare.py exited with code 1", name="doomed")
    sm = frozen_aws.client("sagemaker")
    sm.create_processing_job(**processing_job("doomed"))
    sm.create_processing_job(**processing_job("healthy"))
    frozen_aws.advance_clock(30)
    doomed = sm.describe_processing_job(ProcessingJobName="doomed")
    assert doomed["ProcessingJobStatus"] == "Failed"
    assert doomed["FailureReason"] == "ClientError: prepare.py exited with code 1"
    assert "ProcessingEndTime" in doomed
    assert sm.describe_processing_job(ProcessingJobName="healthy")["ProcessingJobStatus"] == "InProgress"
    frozen_aws.advance_clock(30)
    assert sm.describe_processing_job(ProcessingJobName="healthy")["ProcessingJobStatus"] == "Completed"


def test_a_processing_fault_leaves_training_jobs_alone(frozen_aws: LocalAws) -> None:
    frozen_aws.fail_resource("processing_job", "nope")
    sm = frozen_aws.client("sagemaker")
    sm.create_training_job(**training_job("train"))
    sm.create_processing_job(**processing_job("process"))
    frozen_aws.advance_clock(3600)
    assert sm.describe_training_job(TrainingJobName="train")["TrainingJobStatus"] == "Completed"
    assert sm.describe_processing_job(ProcessingJobName="process")["ProcessingJobStatus"] == "Failed"


def test_stop_moves_through_stopping_to_stopped(frozen_aws: LocalAws) -> None:
    frozen_aws.set_durations({"processing_job": DURATIONS})
    sm = frozen_aws.client("sagemaker")
    sm.create_processing_job(**processing_job("halt"))
    frozen_aws.advance_clock(10)
    sm.stop_processing_job(ProcessingJobName="halt")
    assert sm.describe_processing_job(ProcessingJobName="halt")["ProcessingJobStatus"] == "Stopping"
    frozen_aws.advance_clock(5)
    job = sm.describe_processing_job(ProcessingJobName="halt")
    assert job["ProcessingJobStatus"] == "Stopped"
    assert (job["ProcessingEndTime"] - job["ProcessingStartTime"]).total_seconds() == 15
    assert aws_error(sm.stop_processing_job, ProcessingJobName="halt") == (
        "ValidationException",
        "The request was rejected because the processing job is in status Stopped.",
    )


def test_errors_answer_as_for_training_jobs(frozen_aws: LocalAws) -> None:
    sm = frozen_aws.client("sagemaker")
    for call in (sm.describe_processing_job, sm.stop_processing_job):
        assert aws_error(call, ProcessingJobName="missing") == ("ValidationException", "Requested resource not found.")
    # Delete<noun> documents ResourceNotFound for a missing job (see jobs.delete).
    assert aws_error(sm.delete_processing_job, ProcessingJobName="missing")[0] == "ResourceNotFound"
    arn = sm.create_processing_job(**processing_job("dup"))["ProcessingJobArn"]
    code, message = aws_error(sm.create_processing_job, **processing_job("DUP"))
    assert code == "ResourceInUse"
    assert message == (
        "Processing job names must be unique within an AWS account and region, and a processing job with "
        f"this name already exists ({arn})"
    )
    code, message = aws_error(sm.delete_processing_job, ProcessingJobName="dup")
    assert code == "ResourceInUse" and "status InProgress" in message, "a running job cannot be deleted"


def test_delete_removes_a_finished_job_and_frees_its_name(frozen_aws: LocalAws) -> None:
    sm = frozen_aws.client("sagemaker")
    sm.create_processing_job(**processing_job("done"))
    frozen_aws.advance_clock(3600)
    sm.delete_processing_job(ProcessingJobName="done")
    assert aws_error(sm.describe_processing_job, ProcessingJobName="done")[0] == "ValidationException"
    sm.create_processing_job(**processing_job("done"))
    assert sm.describe_processing_job(ProcessingJobName="done")["ProcessingJobStatus"] == "InProgress"


def test_list_filters_and_pages(frozen_aws: LocalAws) -> None:
    frozen_aws.set_durations({"processing_job": DURATIONS})
    sm = frozen_aws.client("sagemaker")
    for index in range(5):
        sm.create_processing_job(**processing_job(f"batch-{index}"))
        frozen_aws.advance_clock(1)
    sm.create_processing_job(**processing_job("other"))
    sm.create_training_job(**training_job("batch-training"))
    sm.stop_processing_job(ProcessingJobName="batch-0")
    first = sm.list_processing_jobs(NameContains="batch", MaxResults=3, SortBy="Name", SortOrder="Ascending")
    assert [s["ProcessingJobName"] for s in first["ProcessingJobSummaries"]] == ["batch-0", "batch-1", "batch-2"]
    assert set(first["ProcessingJobSummaries"][0]) == {
        "ProcessingJobName",
        "ProcessingJobArn",
        "CreationTime",
        "LastModifiedTime",
        "ProcessingJobStatus",
    }
    second = sm.list_processing_jobs(
        NameContains="batch", MaxResults=3, SortBy="Name", SortOrder="Ascending", NextToken=first["NextToken"]
    )
    assert [s["ProcessingJobName"] for s in second["ProcessingJobSummaries"]] == ["batch-3", "batch-4"]
    assert "NextToken" not in second
    stopping = sm.list_processing_jobs(StatusEquals="Stopping")["ProcessingJobSummaries"]
    assert [s["ProcessingJobName"] for s in stopping] == ["batch-0"]
    assert [s["TrainingJobName"] for s in sm.list_training_jobs()["TrainingJobSummaries"]] == ["batch-training"]


def test_tags_are_kept_by_arn_and_not_described(frozen_aws: LocalAws) -> None:
    sm = frozen_aws.client("sagemaker")
    arn = sm.create_processing_job(**processing_job("tagged", Tags=[{"Key": "team", "Value": "ml"}]))[
        "ProcessingJobArn"
    ]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    assert "Tags" not in sm.describe_processing_job(ProcessingJobName="tagged")


def test_processing_durations_are_set_like_the_others(aws: LocalAws) -> None:
    durations = aws.set_durations({"processing_job": {"processing": 7.0}})
    assert durations["processing_job"] == {"processing": 7.0, "stopping": 0.5}
    assert durations["training_job"] == Durations().training_job.model_dump()
    with pytest.raises(LocalAwsError, match="typo"):
        aws.set_durations({"processing_job": {"typo": 1.0}})
    parsed = Durations.parse_assignments(["processing_job.processing=30", "training_job.training=5"])
    assert (parsed.processing_job.processing, parsed.training_job.training) == (30.0, 5.0)


def test_every_processing_answer_fits_its_output_shape() -> None:
    control = ControlState()
    control.clock.freeze(at=1_750_000_000.0)
    control.durations = control.durations.merged({"processing_job": DURATIONS})
    control.faults.arm_failure(FailureFault(kind="processing_job", name="failed", reason="AlgorithmError: boom"))
    layer = SageMakerLayer(control)
    answers: list[tuple[str, dict[str, Any]]] = []

    def call(operation: str, **body: Any) -> None:
        answers.append((operation, layer.handle(operation, body, "123456789012", "us-west-2")))

    for name in ("running", "failed", "stopped", "deleted"):
        call("CreateProcessingJob", **processing_job(name, Tags=[{"Key": "a", "Value": "b"}]))
    for advance in (0, 10, 2, 50, 3600):
        control.clock.advance(advance)
        if advance == 10:
            call("StopProcessingJob", ProcessingJobName="stopped")
        for name in ("running", "failed", "stopped"):
            call("DescribeProcessingJob", ProcessingJobName=name)
        call("ListProcessingJobs")
        call("ListProcessingJobs", StatusEquals="Failed", SortBy="Status", MaxResults=1)
    call("DeleteProcessingJob", ProcessingJobName="deleted")

    statuses = {answer.get("ProcessingJobStatus") for _, answer in answers}
    assert statuses >= {"InProgress", "Completed", "Failed", "Stopping", "Stopped"}
    errors = [
        error
        for operation, answer in answers
        for error in shape_errors(
            answer,
            service_model().operation_model(operation).output_shape
            or StructureShape("Empty", {"type": "structure", "members": {}}),
            operation,
        )
    ]
    assert errors == []


def test_the_table_serves_every_operation_of_each_kind_botocore_has() -> None:
    assert set(JOB_KINDS) >= {"TrainingJob", "ProcessingJob"}
    api = operation_names()
    for kind in JOB_KINDS.values():
        ours = {kind.create_op, kind.describe_op, kind.stop_op, kind.list_op, kind.delete_op} - {None}
        assert ours <= set(OPERATIONS)
        assert (f"Delete{kind.noun}" in api) == kind.deletable, "delete exactly where the API has one"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"start_member": "ProcessingBeganTime"}, "DescribeProcessingJob has no member ProcessingBeganTime"),
        ({"failed": Step("Crashed")}, "'Crashed' is not a ProcessingJobStatus"),
        ({"failed": Step("Failed", secondary="Failed")}, "has a secondary status"),
        ({"run": (Step(IN_PROGRESS, duration="crunching"), Step("Completed"))}, "durations has no 'crunching'"),
        ({"fails_during": "stopping"}, "no run step lasts 'stopping'"),
        ({"noun": "ProcessingJobX"}, "CreateProcessingJobX is not a SageMaker operation"),
    ],
)
def test_register_refuses_a_row_botocore_or_the_durations_disown(change: dict[str, Any], problem: str) -> None:
    before = dict(OPERATIONS)
    with pytest.raises(AssertionError, match=problem):
        register(dataclasses.replace(PROCESSING_JOB, **change))
    assert before == OPERATIONS, "a refused row registers nothing"
