"""`TrainingJob`: a SageMaker training job as a Pulumi component."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, cast

import pulumi
from pydantic import Field, model_validator

from components.configs import (
    ApiRequest,
    CheckpointConfig,
    ComponentArgs,
    Compute,
    InputData,
    MetricDefinition,
    Networking,
    OutputDataConfig,
    RetryStrategy,
    StoppingCondition,
    StrInput,
    component_args,
    located_error,
    publish,
    refuse_invalid,
)
from components.core.api_model import extra_members
from components.core.naming import readable_prefix
from components.core.secrets import credential_violations
from components.core.service_model import Violation
from components.core.tags import tag_violations
from components.core.unknowns import UNKNOWN
from components.providers.training_job import TrainingJobResource
from components.rules.training_job import request_rules, supports_volume_kms


class TrainingJobArgs(ComponentArgs):
    """Everything a training job takes, as the SageMaker SDK v3 names it."""

    api_shape = "CreateTrainingJobRequest"
    api_names: ClassVar[Mapping[str, str]] = {
        "image_uri": "AlgorithmSpecification.TrainingImage",
        "algorithm_name": "AlgorithmSpecification.AlgorithmName",
        "training_input_mode": "AlgorithmSpecification.TrainingInputMode",
        "metric_definitions": "AlgorithmSpecification.MetricDefinitions",
        "compute": "ResourceConfig",
        "input_data": "InputDataConfig",
        "hyperparameters": "HyperParameters",
        "networking": "",
    }
    api_overrides = frozenset(
        {"kms_key_id", "tags", "name_prefix", "retrain_token", "wait_for_completion", "wait_timeout_seconds", "extra"}
    )

    image_uri: StrInput | None = None
    """The training image (ECR URI); or give `algorithm_name`."""
    algorithm_name: str | None = None
    """A SageMaker or marketplace algorithm; or give `image_uri`."""
    role_arn: StrInput
    """The execution role SageMaker assumes."""
    compute: Compute
    output_data_config: OutputDataConfig
    input_data: list[InputData] = Field(default_factory=list)
    stopping_condition: StoppingCondition = Field(default_factory=StoppingCondition)
    hyperparameters: dict[str, StrInput] = Field(default_factory=dict)
    """Values may be secrets, like `environment`'s."""
    environment: dict[str, StrInput] = Field(default_factory=dict)
    """Values may be secrets (`config.require_secret(...)`): they stay encrypted in the state, and
    are left out of the job's content-addressed name, so the name tells nothing about them. A
    change of a secret value alone therefore does not retrain: it is stored, and the next training
    (any other change, or `retrain_token`) uses it."""
    networking: Networking | None = None
    checkpoint_config: CheckpointConfig | None = None
    retry_strategy: RetryStrategy | None = None
    metric_definitions: list[MetricDefinition] = Field(default_factory=list)
    training_input_mode: str = "File"
    kms_key_id: StrInput | None = None
    """One key for output and volume (where the instance type allows a volume key)."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Tags of the job; they change in place."""
    name_prefix: str | None = None
    """The readable start of the job's name (default: from the component's name)."""
    retrain_token: str = ""
    """Change it to train again with the same inputs."""
    wait_for_completion: bool = True
    """False returns as soon as the job has started (outputs such as `model_artifacts` then fill
    in on `pulumi refresh`)."""
    wait_timeout_seconds: int | None = None
    """How long `pulumi up` waits for the job (default: its stopping condition plus a margin)."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Any other CreateTrainingJob member in snake_case (`debug_rule_configurations`,
    `profiler_config`, `experiment_config`...); unknown names are refused by the component, values
    by the provider's check. A member given here replaces the one the arguments built."""

    @model_validator(mode="after")
    def _image_or_algorithm(self) -> TrainingJobArgs:
        if (self.image_uri is None) == (self.algorithm_name is None):
            where = "algorithm_name" if self.algorithm_name is not None else "image_uri"
            raise located_error(
                TrainingJobArgs, where, "set exactly one of image_uri and algorithm_name", getattr(self, where)
            )
        return self

    def to_api(self) -> dict[str, Any]:
        """The CreateTrainingJob request, without the name and tags the provider sets."""
        request = super().to_api()
        if self.compute.enable_managed_spot_training:
            request["EnableManagedSpotTraining"] = True
        if self.kms_key_id is not None:
            # One key fills the output's and the volume's where they have none; the volume's only
            # where every instance type allows a volume key.
            request["OutputDataConfig"].setdefault("KmsKeyId", self.kms_key_id)
            types = [self.compute.instance_type] if self.compute.instance_type else []
            types += [group.instance_type for group in self.compute.instance_groups or []]
            if all(supports_volume_kms(t) for t in types):
                request["ResourceConfig"].setdefault("VolumeKmsKeyId", self.kms_key_id)
        return request


TRAINING_JOB_ARGUMENTS = {
    "EnableManagedSpotTraining": "compute.enable_managed_spot_training",
    "OutputDataConfig.KmsKeyId": "kms_key_id",
    "ResourceConfig.VolumeKmsKeyId": "kms_key_id",
}
"""The argument each member `TrainingJobArgs.to_api` places itself comes from (the rest are declared)."""


def job_rules(request: dict[str, Any]) -> list[Violation]:
    """What the TrainingJob provider's Check holds a request to beyond the service model: its rules,
    and no AWS credentials in plain hyperparameters or environment values."""
    violations = request_rules(request)
    for member in ("HyperParameters", "Environment"):
        values = request.get(member)
        if isinstance(values, dict):
            violations += credential_violations(cast(dict[str, Any], values), member)
    return violations


async def secret_members(maps: dict[str, dict[str, Any]]) -> list[str]:
    """`Member.key` of every value given as a Pulumi secret (`HyperParameters.token`)."""
    found = []
    for member, values in maps.items():
        for key, value in values.items():
            if isinstance(value, pulumi.Output) and await value.is_secret():
                found.append(f"{member}.{key}")
    return sorted(found)


class TrainingJob(pulumi.ComponentResource):
    """A SageMaker training job that never trains twice by accident.

    Its name is content-addressed (prefix + hash of the request), so re-running `pulumi up` after
    an interruption adopts the running job instead of starting a second one. `pulumi up` waits
    for the job (phase-aware polling) and fails with SageMaker's FailureReason if it fails. Any
    change of the request trains a new job; tags change in place. To retrain with the same
    inputs, change `retrain_token`.

    Arguments: a `TrainingJobArgs` as `args`, or its fields as keyword arguments.
    """

    arn: pulumi.Output[str]
    """The training job's ARN."""
    image_uri: pulumi.Output[str | None]
    """The training image (None for a marketplace algorithm), e.g. for a ModelPackage."""
    training_job_name: pulumi.Output[str]
    """The content-addressed SageMaker name."""
    status: pulumi.Output[str]
    """TrainingJobStatus: Completed after a normal `up`."""
    secondary_status: pulumi.Output[str]
    """SecondaryStatus, the finer phase."""
    model_artifacts: pulumi.Output[str | None]
    """S3 URI of model.tar.gz."""
    failure_reason: pulumi.Output[str | None]
    """SageMaker's FailureReason, if any."""
    billable_time_in_seconds: pulumi.Output[int | None]
    """Seconds billed (less than training time with managed spot)."""
    training_time_in_seconds: pulumi.Output[int | None]
    """Seconds the job trained."""
    final_metrics: pulumi.Output[dict[str, float]]
    """Final value of each metric definition, by name."""

    def __init__(
        self,
        name: str,
        args: TrainingJobArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        owner = f"TrainingJob {name}"
        args = component_args(TrainingJobArgs, args, kwargs, owner)
        super().__init__("sagemaker:training:TrainingJob", name, None, opts)
        extra_request = extra_members("CreateTrainingJob", args.extra, owner)
        request = {**args.to_api(), **extra_request}
        # The provider's Check holds the request to the same, but reports the first failing layer
        # only, by API path; here every rule is reported at once, by the argument written.
        refuse_invalid(
            owner,
            args,
            [
                ApiRequest(
                    "CreateTrainingJob",
                    {**request, "TrainingJobName": UNKNOWN},
                    renames=TRAINING_JOB_ARGUMENTS,
                    rules=job_rules,
                    extra_field="extra",
                    extra=args.extra,
                )
            ],
            tag_violations(args.tags),
        )
        job = TrainingJobResource(
            f"{name}-job",
            {
                "name_prefix": args.name_prefix if args.name_prefix is not None else readable_prefix(name),
                "request": request,
                "tags": args.tags,
                "retrain_token": args.retrain_token,
                "wait_for_completion": args.wait_for_completion,
                "wait_timeout_seconds": args.wait_timeout_seconds,
                "training_job_name": None,
                "secret_members": pulumi.Output.from_input(
                    secret_members({"HyperParameters": args.hyperparameters, "Environment": args.environment})
                ),
            },
            pulumi.ResourceOptions(parent=self),
        )
        publish(self, job, image_uri=pulumi.Output.from_input(args.image_uri))
