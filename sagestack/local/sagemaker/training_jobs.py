"""Training jobs: Starting -> Downloading -> Training -> Uploading -> Completed, in time.

A job can be made to fail (FailureFault, kind "training_job") and is stopped through
Stopping -> Stopped. Describe reports SecondaryStatusTransitions, ModelArtifacts and the
training and billable seconds the way SageMaker does.
"""

from __future__ import annotations

from typing import Any

from .core import Call, Phase, Record, echo, listing, operation, tag_map
from .errors import ResourceInUse, ValidationError

KIND = "training_job"
IN_PROGRESS = "InProgress"
TERMINAL = ("Completed", "Failed", "Stopped")
SUMMARY = (
    "TrainingJobName",
    "TrainingJobArn",
    "CreationTime",
    "TrainingEndTime",
    "LastModifiedTime",
    "TrainingJobStatus",
    "SecondaryStatus",
)

MESSAGES = {
    "Starting": "Launching requested ML instances",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Stopping": "Stopping the training job",
    "Stopped": "The training job was stopped.",
}


def _status(status: str, secondary: str, **extra: Any) -> dict[str, Any]:
    message = MESSAGES.get(secondary, extra.get("FailureReason", ""))
    return {"TrainingJobStatus": status, "SecondaryStatus": secondary, "StatusMessage": message, **extra}


def _find(call: Call, name: str) -> Record:
    record = call.store.find(KIND, name, call.now)
    if record is None:
        raise ValidationError("Requested resource not found.")
    return record


@operation("CreateTrainingJob")
def create(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    name = body["TrainingJobName"]
    existing = call.store.find(KIND, name, call.now)
    if existing is not None:
        raise ResourceInUse(
            "Training job names must be unique within an AWS account and region, and a training "
            f"job with this name already exists ({existing.arn})"
        )
    algorithm = body.get("AlgorithmSpecification") or {}
    if bool(algorithm.get("TrainingImage")) == bool(algorithm.get("AlgorithmName")):
        raise ValidationError("Exactly one of TrainingImage or AlgorithmName must be specified.")
    record = Record(KIND, name, call.arn(f"training-job/{name.lower()}"), call.now, body)
    record.tags = tag_map(body.get("Tags"))
    d = call.durations.training_job
    phases: list[Phase] = [
        (_status(IN_PROGRESS, "Starting"), d.starting),
        (_status(IN_PROGRESS, "Downloading"), d.downloading),
    ]
    reason = call.faults.take_failure(KIND, name)
    if reason is not None:
        phases += [
            (_status(IN_PROGRESS, "Training"), d.training / 2),
            (_status("Failed", "Failed", FailureReason=reason), None),
        ]
    else:
        phases += [
            (_status(IN_PROGRESS, "Training"), d.training),
            (_status(IN_PROGRESS, "Uploading"), d.uploading),
            (_status("Completed", "Completed"), None),
        ]
    record.timeline.plan(call.now, phases)
    call.store.add(record)
    return {"TrainingJobArn": record.arn}


def _describe(call: Call, record: Record) -> dict[str, Any]:
    now = call.now
    state = record.state(now)
    status = state["TrainingJobStatus"]
    timeline = record.timeline
    answer: dict[str, Any] = {
        **echo(record.request, "DescribeTrainingJob"),
        "TrainingJobName": record.name,
        "TrainingJobArn": record.arn,
        "TrainingJobStatus": status,
        "SecondaryStatus": state["SecondaryStatus"],
        "CreationTime": record.created,
        "LastModifiedTime": timeline.transitions("SecondaryStatus", now)[-1][1],
        "SecondaryStatusTransitions": [
            {"Status": value, "StartTime": start, "StatusMessage": MESSAGES.get(value, state.get("FailureReason", ""))}
            | ({"EndTime": end} if end is not None else {})
            for value, start, end in timeline.transitions("SecondaryStatus", now)
        ],
    }
    answer.pop("Tags", None)
    if state.get("FailureReason"):
        answer["FailureReason"] = state["FailureReason"]
    started = timeline.first_time("SecondaryStatus", ["Downloading"], now)
    if started is not None:
        answer["TrainingStartTime"] = started
    ended = timeline.first_time("TrainingJobStatus", TERMINAL, now)
    if ended is not None and started is not None:
        answer["TrainingEndTime"] = ended
        seconds = max(1, round(ended - started))
        answer["TrainingTimeInSeconds"] = seconds
        answer["BillableTimeInSeconds"] = seconds
    if status == "Completed":
        output = record.request["OutputDataConfig"]["S3OutputPath"].rstrip("/")
        answer["ModelArtifacts"] = {"S3ModelArtifacts": f"{output}/{record.name}/output/model.tar.gz"}
    return answer


@operation("DescribeTrainingJob")
def describe(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return _describe(call, _find(call, body["TrainingJobName"]))


@operation("ListTrainingJobs")
def list_jobs(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return listing(
        call.store.all(KIND, call.now),
        body,
        "TrainingJobSummaries",
        lambda record: _describe(call, record),
        SUMMARY,
        sort_fields={"Name": "TrainingJobName", "CreationTime": "CreationTime", "Status": "TrainingJobStatus"},
        status_field=("StatusEquals", "TrainingJobStatus"),
    )


@operation("StopTrainingJob")
def stop(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find(call, body["TrainingJobName"])
    status = record.state(call.now)["TrainingJobStatus"]
    if status != IN_PROGRESS:
        raise ValidationError(f"The request was rejected because the training job is in status {status}.")
    record.timeline.plan(
        call.now,
        [
            (_status("Stopping", "Stopping"), call.durations.training_job.stopping),
            (_status("Stopped", "Stopped"), None),
        ],
    )
    return {}


@operation("DeleteTrainingJob")
def delete(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find(call, body["TrainingJobName"])
    status = record.state(call.now)["TrainingJobStatus"]
    if status not in TERMINAL:
        raise ResourceInUse(
            f"Training job {record.name} is in status {status}; only Completed, Failed or Stopped jobs can be deleted."
        )
    record.delete(call.now)
    return {}
