"""The TrainingJob dynamic provider: a training job that never trains twice by accident.

A member of the job family (`components.core.job`): content-addressed name, adopt instead of
training again, phase-aware wait, stop on destroy, completed jobs kept as lineage. What is its
own: the rules of CreateTrainingJob the service model does not state, where a completed job's
model will be (predicted, so a preview of what consumes it stays known), and its outputs.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi

from components.core.job import JobInputs, JobProvider
from components.core.lifecycle import Lifecycle
from components.core.resource import SageMakerResource
from components.core.service_model import Violation
from components.rules.training_job import request_rules

KIND = "TrainingJob"


class TrainingJobInputs(JobInputs):
    """What the TrainingJob provider takes: the create request and how to manage it."""

    name_prefix: str = "training"
    training_job_name: str | None = None
    model_artifacts: str | None = None
    """Predicted at check (see `predict`), so it is known in a preview; the job reports the real one."""


def job_outputs(job: dict[str, Any]) -> dict[str, Any]:
    """The component's outputs from a DescribeTrainingJob response."""
    return {
        "arn": job["TrainingJobArn"],
        "training_job_name": job["TrainingJobName"],
        "status": job["TrainingJobStatus"],
        "secondary_status": job.get("SecondaryStatus"),
        "model_artifacts": (job.get("ModelArtifacts") or {}).get("S3ModelArtifacts"),
        "failure_reason": job.get("FailureReason"),
        "billable_time_in_seconds": job.get("BillableTimeInSeconds"),
        "training_time_in_seconds": job.get("TrainingTimeInSeconds"),
        "final_metrics": {metric["MetricName"]: metric["Value"] for metric in job.get("FinalMetricDataList", [])},
    }


class TrainingJobProvider(JobProvider):
    """Creates, adopts, waits for, refreshes, retags and stops SageMaker training jobs."""

    kind = KIND
    inputs_model = TrainingJobInputs
    request_operation = "CreateTrainingJob"
    request_set_by_provider: ClassVar[dict[str, Any]] = {"TrainingJobName": "placeholder", "Tags": []}
    lifecycle = Lifecycle(
        describe="DescribeTrainingJob",
        key="TrainingJobName",
        status="TrainingJobStatus",
        ready=frozenset({"Completed"}),
        failed=frozenset({"Failed", "Stopped"}),
        changing=frozenset({"InProgress", "Stopping"}),
        phase="SecondaryStatus",
        ends_soon=frozenset({"Uploading", "Stopping"}),
        create="CreateTrainingJob",
        delete="DeleteTrainingJob",
        stop="StopTrainingJob",
        not_found=("ValidationException", "Requested resource not found"),
    )
    name_input = "training_job_name"
    secret_maps = ("HyperParameters", "Environment")
    replace_on = (*JobProvider.replace_on, "training_job_name")
    predicted = ("model_artifacts",)
    work = "training"

    def request_rules(self, request: dict[str, Any]) -> list[Violation]:
        return request_rules(request)

    def predict(self, inputs: dict[str, Any], name: str) -> dict[str, Any]:
        """SageMaker writes a completed job's model to `<S3OutputPath>/<job name>/output/model.tar.gz`
        (a folder when CompressionType is NONE)."""
        output = inputs["request"].get("OutputDataConfig") or {}
        artifacts = None
        if inputs.get("wait_for_completion") and output.get("CompressionType", "GZIP") == "GZIP":
            artifacts = f"{str(output['S3OutputPath']).rstrip('/')}/{name}/output/model.tar.gz"
        return {"model_artifacts": artifacts}

    def outputs(self, described: dict[str, Any]) -> dict[str, Any]:
        return job_outputs(described)


class TrainingJobResource(SageMakerResource, module="sagemaker", name="TrainingJob"):
    """The dynamic resource (`pulumi-python:dynamic/sagemaker:TrainingJob`); use `components.TrainingJob`."""

    provider_class = TrainingJobProvider

    arn: pulumi.Output[str]
    training_job_name: pulumi.Output[str]
    status: pulumi.Output[str]
    secondary_status: pulumi.Output[str]
    model_artifacts: pulumi.Output[str | None]
    failure_reason: pulumi.Output[str | None]
    billable_time_in_seconds: pulumi.Output[int | None]
    training_time_in_seconds: pulumi.Output[int | None]
    final_metrics: pulumi.Output[dict[str, float]]
