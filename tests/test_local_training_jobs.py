"""The local AWS: training jobs move through SageMaker's statuses in (virtual) time."""

from __future__ import annotations

import time

from sagestack.testing.local_aws import LocalAws
from tests.aws_errors import aws_error
from tests.sagemaker_requests import training_job

PHASES = {"starting": 10.0, "downloading": 20.0, "training": 60.0, "uploading": 10.0, "stopping": 5.0}


def test_job_walks_every_phase_to_completed_with_artifacts(frozen_aws: LocalAws) -> None:
    frozen_aws.set_durations({"training_job": PHASES})
    sm = frozen_aws.client("sagemaker")
    arn = sm.create_training_job(**training_job("walk"))["TrainingJobArn"]
    assert arn == "arn:aws:sagemaker:us-west-2:123456789012:training-job/walk"

    seen = []
    for step in (0, 10, 20, 60, 10):
        frozen_aws.advance_clock(step)
        job = sm.describe_training_job(TrainingJobName="walk")
        seen.append((job["TrainingJobStatus"], job["SecondaryStatus"]))
        if job["TrainingJobStatus"] != "Completed":
            assert "ModelArtifacts" not in job
    assert seen == [
        ("InProgress", "Starting"),
        ("InProgress", "Downloading"),
        ("InProgress", "Training"),
        ("InProgress", "Uploading"),
        ("Completed", "Completed"),
    ]
    assert job["ModelArtifacts"]["S3ModelArtifacts"] == "s3://data/output/walk/output/model.tar.gz"
    transitions = job["SecondaryStatusTransitions"]
    assert [t["Status"] for t in transitions] == ["Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert all("EndTime" in t for t in transitions[:-1]) and "EndTime" not in transitions[-1]
    assert job["TrainingTimeInSeconds"] == 90
    assert job["HyperParameters"] == {"max_depth": "5"}


def test_phase_durations_change_at_runtime(frozen_aws: LocalAws) -> None:
    frozen_aws.set_durations({"training_job": {"training": 6 * 3600}})
    sm = frozen_aws.client("sagemaker")
    sm.create_training_job(**training_job("long"))
    frozen_aws.advance_clock(5 * 3600)
    assert sm.describe_training_job(TrainingJobName="long")["SecondaryStatus"] == "Training"
    frozen_aws.advance_clock(3600 + 10)
    assert sm.describe_training_job(TrainingJobName="long")["TrainingJobStatus"] == "Completed"


def test_statuses_move_in_real_time_by_default(aws: LocalAws) -> None:
    aws.set_durations({"training_job": dict.fromkeys(PHASES, 0.05)})
    sm = aws.client("sagemaker")
    sm.create_training_job(**training_job("quick"))
    deadline = time.monotonic() + 5
    while sm.describe_training_job(TrainingJobName="quick")["TrainingJobStatus"] != "Completed":
        assert time.monotonic() < deadline, "job never completed in real time"
        time.sleep(0.05)


def test_injected_failure_surfaces_failure_reason_for_that_job_only(frozen_aws: LocalAws) -> None:
    frozen_aws.set_durations({"training_job": PHASES})
    frozen_aws.fail_resource("training_job", "AlgorithmError: loss diverged (NaN)", name="doomed")
    sm = frozen_aws.client("sagemaker")
    sm.create_training_job(**training_job("doomed"))
    sm.create_training_job(**training_job("healthy"))
    frozen_aws.advance_clock(200)
    doomed = sm.describe_training_job(TrainingJobName="doomed")
    assert (doomed["TrainingJobStatus"], doomed["SecondaryStatus"]) == ("Failed", "Failed")
    assert doomed["FailureReason"] == "AlgorithmError: loss diverged (NaN)"
    assert "ModelArtifacts" not in doomed
    assert sm.describe_training_job(TrainingJobName="healthy")["TrainingJobStatus"] == "Completed"


def test_stop_moves_through_stopping_to_stopped(frozen_aws: LocalAws) -> None:
    frozen_aws.set_durations({"training_job": PHASES})
    sm = frozen_aws.client("sagemaker")
    sm.create_training_job(**training_job("halt"))
    frozen_aws.advance_clock(35)
    sm.stop_training_job(TrainingJobName="halt")
    job = sm.describe_training_job(TrainingJobName="halt")
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopping", "Stopping")
    frozen_aws.advance_clock(5)
    job = sm.describe_training_job(TrainingJobName="halt")
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopped", "Stopped")
    assert [t["Status"] for t in job["SecondaryStatusTransitions"]][-3:] == ["Training", "Stopping", "Stopped"]
    code, message = aws_error(sm.stop_training_job, TrainingJobName="halt")
    assert code == "ValidationException" and "status Stopped" in message


def test_errors_answer_as_sagemaker_does(frozen_aws: LocalAws) -> None:
    sm = frozen_aws.client("sagemaker")
    assert aws_error(sm.describe_training_job, TrainingJobName="missing") == (
        "ValidationException",
        "Requested resource not found.",
    )
    sm.create_training_job(**training_job("dup"))
    code, message = aws_error(sm.create_training_job, **training_job("DUP"))
    assert code == "ResourceInUse" and "already exists" in message
    both = training_job(
        "both", AlgorithmSpecification={"TrainingImage": "x", "AlgorithmName": "y", "TrainingInputMode": "File"}
    )
    assert aws_error(sm.create_training_job, **both)[0] == "ValidationException"
    code, _ = aws_error(sm.delete_training_job, TrainingJobName="dup")
    assert code == "ResourceInUse", "a running job cannot be deleted"


def test_delete_removes_a_finished_job(frozen_aws: LocalAws) -> None:
    sm = frozen_aws.client("sagemaker")
    sm.create_training_job(**training_job("done"))
    frozen_aws.advance_clock(3600)
    sm.delete_training_job(TrainingJobName="done")
    assert aws_error(sm.describe_training_job, TrainingJobName="done")[0] == "ValidationException"


def test_list_filters_and_pages(frozen_aws: LocalAws) -> None:
    frozen_aws.set_durations({"training_job": PHASES})
    sm = frozen_aws.client("sagemaker")
    for index in range(5):
        sm.create_training_job(**training_job(f"batch-{index}"))
        frozen_aws.advance_clock(1)
    sm.create_training_job(**training_job("other"))
    sm.stop_training_job(TrainingJobName="batch-0")
    first = sm.list_training_jobs(NameContains="batch", MaxResults=3, SortBy="Name", SortOrder="Ascending")
    assert [s["TrainingJobName"] for s in first["TrainingJobSummaries"]] == ["batch-0", "batch-1", "batch-2"]
    second = sm.list_training_jobs(
        NameContains="batch", MaxResults=3, SortBy="Name", SortOrder="Ascending", NextToken=first["NextToken"]
    )
    assert [s["TrainingJobName"] for s in second["TrainingJobSummaries"]] == ["batch-3", "batch-4"]
    assert "NextToken" not in second
    stopping = sm.list_training_jobs(StatusEquals="Stopping")["TrainingJobSummaries"]
    assert [s["TrainingJobName"] for s in stopping] == ["batch-0"]
