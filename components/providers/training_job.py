"""The TrainingJob dynamic provider: a training job that never trains twice by accident.

- Name: a readable prefix plus a hash of the create request (and `retrain_token`), so the same
  request always has the same name. Create first looks the name up and *adopts* what it finds:
  a running job is waited for, a completed one returned; a failed or stopped one is an error
  that says why and how to retrain (change `retrain_token`). An `up` interrupted while waiting
  therefore never pays for a second job.
- Diff: any change of the request, prefix or token replaces; tags change in place; waiting
  options change nothing in AWS.
- Read: the live job, so `pulumi refresh` shows a job stopped or finished outside Pulumi.
- Delete (a deliberate choice): a running job is stopped and waited for. A job that did not
  complete (stopped or failed) is then deleted, which frees its name so the same request can
  train afresh later. A *completed* job's record is kept: it is the lineage of its model
  artifacts and metrics, costs nothing, and re-deploying the same request adopts it instead of
  retraining.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
import pulumi.dynamic
from pulumi.dynamic import DiffResult
from pydantic import Field

from components.core.errors import SageMakerOperationError, calling
from components.core.naming import NAME_PATTERN, PREFIX_MAX, canonical_json, content_addressed_name
from components.core.provider import Lifecycle, SageMakerProvider, StrictModel
from components.core.resource import SageMakerResource
from components.core.secrets import credential_violations
from components.core.service_model import Violation
from components.core.tags import sync_tags, tag_list, tag_violations
from components.core.unknowns import contains_unknown, is_unknown
from components.core.waiter import WaitFailed, WaitSpec, WaitTimedOut

KIND = "TrainingJob"
MAX_RUNTIME_SECONDS = 28 * 24 * 3600
MAX_HYPERPARAMETER_VALUE = 256
WAIT_MARGIN_SECONDS = 3600
"""Added to the job's own limits for provisioning and upload when no timeout is given."""

COMPLETION = WaitSpec(
    operation="DescribeTrainingJob",
    status_field="TrainingJobStatus",
    phase_field="SecondaryStatus",
    success=frozenset({"Completed"}),
    failure=frozenset({"Failed", "Stopped"}),
    ends_soon=frozenset({"Uploading", "Stopping"}),
)
STOPPED = WaitSpec(
    operation="DescribeTrainingJob",
    status_field="TrainingJobStatus",
    phase_field="SecondaryStatus",
    success=frozenset({"Completed", "Failed", "Stopped"}),
    ends_soon=frozenset({"Stopping"}),
    gone_is_success=True,
)


class TrainingJobInputs(StrictModel):
    """What the TrainingJob provider takes: the create request and how to manage it."""

    name_prefix: str = "training"
    request: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    retrain_token: str = ""
    wait_for_completion: bool = True
    wait_timeout_seconds: int | None = Field(default=None, ge=1)
    training_job_name: str | None = None
    secret_members: list[str] = Field(default_factory=list)
    """`HyperParameters.<key>` / `Environment.<key>` given as secrets: left out of the name, so
    that the name (plain in the state) cannot be used to guess them."""
    model_artifacts: str | None = None
    """Predicted at check (see `computed`), so it is known in a preview; the job reports the real one."""


def _known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


def request_rules(request: dict[str, Any]) -> list[Violation]:
    """Rules of CreateTrainingJob that the service model does not state."""
    violations: list[Violation] = []
    algorithm = request.get("AlgorithmSpecification") or {}
    if _known(algorithm) and bool(algorithm.get("TrainingImage")) == bool(algorithm.get("AlgorithmName")):
        violations.append(
            Violation(
                "request.AlgorithmSpecification", "set exactly one of TrainingImage (image_uri) and AlgorithmName"
            )
        )
    resources = request.get("ResourceConfig") or {}
    if _known(resources) and not resources.get("InstanceGroups"):
        count = resources.get("InstanceCount")
        if not resources.get("InstanceType"):
            violations.append(
                Violation("request.ResourceConfig", "set InstanceType (and InstanceCount) or InstanceGroups")
            )
        elif isinstance(count, int) and count < 1:
            violations.append(Violation("request.ResourceConfig.InstanceCount", f"must be at least 1 (got {count})"))
    stopping = request.get("StoppingCondition") or {}
    runtime, wait = stopping.get("MaxRuntimeInSeconds"), stopping.get("MaxWaitTimeInSeconds")
    if isinstance(runtime, int | float) and runtime > MAX_RUNTIME_SECONDS:
        violations.append(
            Violation("request.StoppingCondition.MaxRuntimeInSeconds", f"at most 28 days ({MAX_RUNTIME_SECONDS} s)")
        )
    if request.get("EnableManagedSpotTraining") is True:
        if wait is None:
            violations.append(
                Violation(
                    "request.StoppingCondition.MaxWaitTimeInSeconds", "managed spot training needs a maximum wait"
                )
            )
        elif isinstance(wait, int | float) and isinstance(runtime, int | float) and wait < runtime:
            violations.append(
                Violation(
                    "request.StoppingCondition.MaxWaitTimeInSeconds",
                    f"must be at least MaxRuntimeInSeconds ({runtime}) for managed spot training",
                )
            )
    hyperparameters = request.get("HyperParameters") or {}
    if _known(hyperparameters):
        violations += [
            Violation(f"request.HyperParameters.{key}", f"values are at most {MAX_HYPERPARAMETER_VALUE} characters")
            for key, value in hyperparameters.items()
            if _known(value) and len(str(value)) > MAX_HYPERPARAMETER_VALUE
        ]
        violations += credential_violations(hyperparameters, "request.HyperParameters")
    environment = request.get("Environment") or {}
    if _known(environment):
        violations += credential_violations(environment, "request.Environment")
    return violations


def without_secrets(inputs: dict[str, Any]) -> dict[str, Any]:
    """The request with the values of `secret_members` replaced by a marker (their keys stay)."""
    request = dict(inputs["request"])
    for path in inputs.get("secret_members") or []:
        member, _, key = path.partition(".")
        if isinstance(request.get(member), dict) and key in request[member]:
            request[member] = {**request[member], key: "<secret>"}
    return request


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


def _transitions(job: dict[str, Any]) -> str:
    return " -> ".join(
        f"{t['Status']}" + (f" ({t['StatusMessage']})" if t.get("StatusMessage") else "")
        for t in job.get("SecondaryStatusTransitions", [])[-4:]
    )


class TrainingJobProvider(SageMakerProvider):
    """Creates, adopts, waits for, refreshes, retags and stops SageMaker training jobs."""

    kind = KIND
    inputs_model = TrainingJobInputs
    request_operation = "CreateTrainingJob"
    request_set_by_provider: ClassVar[dict[str, Any]] = {"TrainingJobName": "placeholder", "Tags": []}
    lifecycle = Lifecycle(
        describe="DescribeTrainingJob",
        key="TrainingJobName",
        not_found=("ValidationException", "Requested resource not found"),
    )
    replace_on = ("name_prefix", "request", "retrain_token", "training_job_name")
    update_on = ("tags",)
    predicted = ("model_artifacts",)

    def rules(self, inputs: dict[str, Any]) -> list[Violation]:
        violations = request_rules(inputs["request"]) + tag_violations(inputs.get("tags") or {})
        prefix = inputs.get("name_prefix")
        if (
            isinstance(prefix, str)
            and not is_unknown(prefix)
            and not (len(prefix) <= PREFIX_MAX and NAME_PATTERN.fullmatch(prefix))
        ):
            violations.append(
                Violation(
                    "name_prefix",
                    f"{prefix!r}: at most {PREFIX_MAX} letters, digits and single hyphens, not starting or ending "
                    "with a hyphen",
                )
            )
        return violations

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """As the core's, but a change of secret values alone is an update of the state (the job
        keeps the values it was trained with), not a new job."""
        result = super().diff(id_, olds, news)
        replaces = list(result.replaces or [])
        if (
            "request" in replaces
            and not contains_unknown(news.get("request"))
            and canonical_json(without_secrets(olds)) == canonical_json(without_secrets(news))
        ):
            replaces.remove("request")
        return DiffResult(changes=result.changes, replaces=replaces, delete_before_replace=False)

    def computed(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """The job's name, and where a completed job's model will be: SageMaker writes it to
        `<S3OutputPath>/<job name>/output/model.tar.gz` (a folder when CompressionType is NONE)."""
        content = {"request": without_secrets(inputs), "retrain_token": inputs["retrain_token"]}
        name = content_addressed_name(inputs["name_prefix"], content)
        output = inputs["request"].get("OutputDataConfig") or {}
        artifacts = None
        if inputs.get("wait_for_completion") and output.get("CompressionType", "GZIP") == "GZIP":
            artifacts = f"{str(output['S3OutputPath']).rstrip('/')}/{name}/output/model.tar.gz"
        return {"training_job_name": name, "model_artifacts": artifacts}

    def _timeout(self, inputs: dict[str, Any]) -> float:
        if inputs.get("wait_timeout_seconds"):
            return float(inputs["wait_timeout_seconds"])
        stopping = inputs["request"].get("StoppingCondition") or {}
        limit = stopping.get("MaxWaitTimeInSeconds") or stopping.get("MaxRuntimeInSeconds") or 86400
        return float(limit) + float(stopping.get("MaxPendingTimeInSeconds") or 0) + WAIT_MARGIN_SECONDS

    def create_resource(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name = inputs.get("training_job_name") or self.computed(inputs)["training_job_name"]
        job = self.live(name)
        if job is None:
            try:
                with calling(KIND, name, "CreateTrainingJob"):
                    self.sagemaker.create_training_job(
                        **inputs["request"], TrainingJobName=name, Tags=tag_list(inputs.get("tags") or {})
                    )
                pulumi.log.info(f"{KIND} {name}: created")
            except SageMakerOperationError as error:
                if error.code != "ResourceInUse":  # created meanwhile by an earlier, interrupted attempt
                    raise
        else:
            pulumi.log.info(f"{KIND} {name}: adopting the existing job ({job['TrainingJobStatus']})")
            if job["TrainingJobStatus"] in ("Failed", "Stopped", "Stopping"):
                raise self._ended_badly(name, job)
        if not inputs.get("wait_for_completion", True):
            job = self.live(name)
            assert job is not None
            return name, job_outputs(job)
        return name, job_outputs(self._wait_for_completion(name, inputs))

    def _wait_for_completion(self, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        try:
            job = self.settle(name, COMPLETION, self._timeout(inputs))
        except WaitFailed as failed:
            raise self._ended_badly(name, failed.state) from None
        except WaitTimedOut as timed_out:
            status = (timed_out.state or {}).get("SecondaryStatus", "unknown")
            raise SageMakerOperationError(
                KIND,
                name,
                "wait for completion",
                f"still {status} after {timed_out.waited:.0f} s",
                hint="The job keeps running. Run `pulumi up` again to adopt it and keep waiting (its name is "
                "content-addressed), or raise wait_timeout_seconds.",
            ) from None
        assert job is not None
        return job

    @staticmethod
    def _ended_badly(name: str, job: dict[str, Any]) -> SageMakerOperationError:
        status = job["TrainingJobStatus"]
        return SageMakerOperationError(
            KIND,
            name,
            "training",
            f"the job ended {status}; last transitions: {_transitions(job)}",
            failure_reason=job.get("FailureReason"),
            hint="The same request will not be re-run by itself. Fix the cause, or set a new retrain_token "
            "to train again with the same inputs.",
        )

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        job = self.live(id_)
        return job_outputs(job) if job is not None else None

    def update_resource(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        job = self.live(id_)
        if job is None:
            raise self.gone(id_, "update")
        sync_tags(
            self.sagemaker, KIND, id_, job["TrainingJobArn"], old=olds.get("tags") or {}, new=news.get("tags") or {}
        )
        return job_outputs(job)

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        job = self.live(id_)
        if job is None:
            return
        if job["TrainingJobStatus"] == "InProgress":
            with calling(KIND, id_, "StopTrainingJob"):
                self.sagemaker.stop_training_job(TrainingJobName=id_)
        if job["TrainingJobStatus"] in ("InProgress", "Stopping"):
            job = self.settle(id_, STOPPED, 3600)
        if job is not None and job["TrainingJobStatus"] != "Completed":
            with calling(KIND, id_, "DeleteTrainingJob"):
                self.sagemaker.delete_training_job(TrainingJobName=id_)


OUTPUTS = (
    "arn",
    "status",
    "secondary_status",
    "model_artifacts",
    "failure_reason",
    "billable_time_in_seconds",
    "training_time_in_seconds",
    "final_metrics",
)


class TrainingJobResource(SageMakerResource, module="sagemaker", name="TrainingJob"):
    """The dynamic resource (`pulumi-python:dynamic/sagemaker:TrainingJob`); use `components.TrainingJob`."""

    provider_class = TrainingJobProvider
    output_names = OUTPUTS

    arn: pulumi.Output[str]
    training_job_name: pulumi.Output[str]
    status: pulumi.Output[str]
    secondary_status: pulumi.Output[str]
    model_artifacts: pulumi.Output[str | None]
    failure_reason: pulumi.Output[str | None]
    billable_time_in_seconds: pulumi.Output[int | None]
    training_time_in_seconds: pulumi.Output[int | None]
    final_metrics: pulumi.Output[dict[str, float]]
