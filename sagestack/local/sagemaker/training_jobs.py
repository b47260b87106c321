"""Training jobs: Starting -> Downloading -> Training -> Uploading -> Completed, in time.

A job can be made to fail (FailureFault, kind "training_job") halfway through Training and is
stopped through Stopping -> Stopped. Beyond the generic job answer (see `jobs`), describe reports
SecondaryStatusTransitions, ModelArtifacts and the training and billable seconds the way SageMaker does.
"""

from __future__ import annotations

from typing import Any

from .core import Record
from .errors import ValidationError
from .jobs import COMPLETED, FAILED, IN_PROGRESS, STOPPED, STOPPING, JobKind, Step, register


def _one_algorithm(body: dict[str, Any]) -> None:
    algorithm = body.get("AlgorithmSpecification") or {}
    if bool(algorithm.get("TrainingImage")) == bool(algorithm.get("AlgorithmName")):
        raise ValidationError("Exactly one of TrainingImage or AlgorithmName must be specified.")


def _rule_statuses(configs: list[dict[str, Any]], status: str, changed: float) -> list[dict[str, Any]]:
    """Debugger and profiler rules run beside the job and finish with it; with no tensors to look
    at, a finished rule found no issues."""
    rule_status = {COMPLETED: "NoIssuesFound", STOPPED: "Stopped", FAILED: "Error"}.get(status, "InProgress")
    return [
        {"RuleConfigurationName": config["RuleConfigurationName"], "RuleEvaluationStatus": rule_status}
        | ({"LastModifiedTime": changed} if rule_status != "InProgress" else {})
        for config in configs
    ]


def _training_extras(kind: JobKind, record: Record, answer: dict[str, Any], now: float) -> dict[str, Any]:
    status = answer["TrainingJobStatus"]
    extra: dict[str, Any] = {
        "SecondaryStatusTransitions": kind.transitions(record, now, answer.get("FailureReason")),
    }
    if profiler := record.request.get("ProfilerConfig"):
        extra["ProfilingStatus"] = "Disabled" if profiler.get("DisableProfiler") else "Enabled"
    if rules := record.request.get("DebugRuleConfigurations"):
        extra["DebugRuleEvaluationStatuses"] = _rule_statuses(rules, status, answer["LastModifiedTime"])
    if rules := record.request.get("ProfilerRuleConfigurations"):
        extra["ProfilerRuleEvaluationStatuses"] = _rule_statuses(rules, status, answer["LastModifiedTime"])
    if "TrainingEndTime" in answer:
        # SageMaker bills whole seconds, at least one, from the start of Downloading.
        seconds = max(1, round(answer["TrainingEndTime"] - answer["TrainingStartTime"]))
        extra |= {"TrainingTimeInSeconds": seconds, "BillableTimeInSeconds": seconds}
    if status == COMPLETED:
        output = record.request["OutputDataConfig"]["S3OutputPath"].rstrip("/")
        extra["ModelArtifacts"] = {"S3ModelArtifacts": f"{output}/{record.name}/output/model.tar.gz"}
    return extra


TRAINING_JOB = register(
    JobKind(
        noun="TrainingJob",
        kind="training_job",
        label="training job",
        arn_resource="training-job",
        secondary_member="SecondaryStatus",
        run=(
            Step(IN_PROGRESS, "Starting", "starting", "Launching requested ML instances"),
            Step(IN_PROGRESS, "Downloading", "downloading", "Downloading input data"),
            Step(IN_PROGRESS, "Training", "training", "Training image download completed. Training in progress."),
            Step(IN_PROGRESS, "Uploading", "uploading", "Uploading generated training model"),
            Step(COMPLETED, "Completed", None, "Training job completed"),
        ),
        fails_during="training",
        failed=Step(FAILED, "Failed"),
        stop=(
            Step(STOPPING, "Stopping", "stopping", "Stopping the training job"),
            Step(STOPPED, "Stopped", None, "The training job was stopped."),
        ),
        # Training time (and the bill) runs from Downloading: instance launch is not charged.
        started_at="Downloading",
        start_member="TrainingStartTime",
        end_member="TrainingEndTime",
        validate=_one_algorithm,
        extras=_training_extras,
        # What DescribeTrainingJob answers for a request that did not set them (issue 20).
        defaults=(
            ("EnableNetworkIsolation", False),
            ("EnableInterContainerTrafficEncryption", False),
            ("EnableManagedSpotTraining", False),
        ),
    )
)
