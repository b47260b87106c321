"""`TrainingJob`: a SageMaker training job as a Pulumi component."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pulumi
from pydantic import Field, model_validator

from components.configs import (
    CheckpointConfig,
    Compute,
    ConfigModel,
    InputData,
    MetricDefinition,
    Networking,
    OutputDataConfig,
    RetryStrategy,
    StoppingCondition,
    StrInput,
)
from components.core.api_model import extra_members
from components.core.naming import readable_prefix
from components.providers.training_job import TrainingJobResource

INSTANCE_STORAGE = re.compile(r"^ml\.([a-z]+\d+[a-z]*d[a-z]*|g5|g6|g6e|p5|p5e|p5en|trn1|trn1n|trn2)\.")
"""Instance families with local NVMe storage: SageMaker refuses a volume KMS key for them."""


def supports_volume_kms(instance_type: str) -> bool:
    return not INSTANCE_STORAGE.match(instance_type)


class TrainingJobArgs(ConfigModel):
    """Everything a training job takes, as the SageMaker SDK v3 names it."""

    image_uri: StrInput | None = None
    algorithm_name: str | None = None
    role_arn: StrInput
    compute: Compute
    output_data_config: OutputDataConfig
    input_data: list[InputData] = Field(default_factory=list)
    stopping_condition: StoppingCondition = Field(default_factory=StoppingCondition)
    hyperparameters: dict[str, StrInput] = Field(default_factory=dict)
    """Values may be secrets, like `environment`'s."""
    environment: dict[str, StrInput] = Field(default_factory=dict)
    """Values may be secrets (`config.require_secret(...)`): they stay encrypted in the state."""
    networking: Networking | None = None
    checkpoint_config: CheckpointConfig | None = None
    retry_strategy: RetryStrategy | None = None
    metric_definitions: list[MetricDefinition] = Field(default_factory=list)
    training_input_mode: str = "File"
    kms_key_id: StrInput | None = None
    """One key for output and volume (where the instance type allows a volume key)."""

    @model_validator(mode="after")
    def _image_or_algorithm(self) -> TrainingJobArgs:
        if (self.image_uri is None) == (self.algorithm_name is None):
            raise ValueError("set exactly one of image_uri and algorithm_name")
        return self

    def to_api(self) -> dict[str, Any]:
        """The CreateTrainingJob request, without the name and tags the provider sets."""
        algorithm: dict[str, Any] = {"TrainingInputMode": self.training_input_mode}
        algorithm.update(
            {"TrainingImage": self.image_uri} if self.image_uri else {"AlgorithmName": self.algorithm_name}
        )
        if self.metric_definitions:
            algorithm["MetricDefinitions"] = [metric.to_api() for metric in self.metric_definitions]
        resources = self.compute.to_api()
        output = self.output_data_config.to_api()
        if self.kms_key_id is not None:
            output.setdefault("KmsKeyId", self.kms_key_id)
            types = [self.compute.instance_type] if self.compute.instance_type else []
            types += [group.instance_type for group in self.compute.instance_groups or []]
            if all(supports_volume_kms(t) for t in types):
                resources.setdefault("VolumeKmsKeyId", self.kms_key_id)
        request: dict[str, Any] = {
            "AlgorithmSpecification": algorithm,
            "RoleArn": self.role_arn,
            "OutputDataConfig": output,
            "ResourceConfig": resources,
            "StoppingCondition": self.stopping_condition.to_api(),
        }
        if self.input_data:
            request["InputDataConfig"] = [channel.to_api() for channel in self.input_data]
        if self.hyperparameters:
            request["HyperParameters"] = self.hyperparameters
        if self.environment:
            request["Environment"] = self.environment
        if self.compute.enable_managed_spot_training:
            request["EnableManagedSpotTraining"] = True
        if self.networking is not None:
            request.update(self.networking.to_api())
        if self.checkpoint_config is not None:
            request["CheckpointConfig"] = self.checkpoint_config.to_api()
        if self.retry_strategy is not None:
            request["RetryStrategy"] = self.retry_strategy.to_api()
        return request


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
    inputs, change `retrain_token`. Pass `wait_for_completion=False` to return as soon as the
    job has started (outputs such as `model_artifacts` then fill in on `pulumi refresh`).

    Hyperparameter and environment values may be Pulumi secrets: they stay encrypted in the state
    and `[secret]` in diffs, and are left out of the job's content-addressed name, so the name
    tells nothing about them. A change of a secret value alone therefore does not retrain: it is
    stored, and the next training (any other change, or `retrain_token`) uses it.

    `extra` takes any other CreateTrainingJob member in snake_case (`debug_rule_configurations`,
    `profiler_config`, `experiment_config`...); unknown names are refused here, values by the
    provider's check. A member given in `extra` replaces the one the arguments built.
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
        *,
        role_arn: StrInput,
        compute: Compute,
        output_data_config: OutputDataConfig,
        image_uri: StrInput | None = None,
        algorithm_name: str | None = None,
        input_data: list[InputData] | None = None,
        stopping_condition: StoppingCondition | None = None,
        hyperparameters: Mapping[str, StrInput] | None = None,
        environment: Mapping[str, StrInput] | None = None,
        networking: Networking | None = None,
        checkpoint_config: CheckpointConfig | None = None,
        retry_strategy: RetryStrategy | None = None,
        metric_definitions: list[MetricDefinition] | None = None,
        training_input_mode: str = "File",
        kms_key_id: StrInput | None = None,
        tags: dict[str, str] | None = None,
        name_prefix: str | None = None,
        retrain_token: str = "",
        wait_for_completion: bool = True,
        wait_timeout_seconds: int | None = None,
        extra: dict[str, Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("sagemaker:training:TrainingJob", name, None, opts)
        extra_request = extra_members("CreateTrainingJob", extra, f"TrainingJob {name}")
        args = TrainingJobArgs(
            image_uri=image_uri,
            algorithm_name=algorithm_name,
            role_arn=role_arn,
            compute=compute,
            output_data_config=output_data_config,
            input_data=input_data or [],
            stopping_condition=stopping_condition or StoppingCondition(),
            hyperparameters=dict(hyperparameters or {}),
            environment=dict(environment or {}),
            networking=networking,
            checkpoint_config=checkpoint_config,
            retry_strategy=retry_strategy,
            metric_definitions=metric_definitions or [],
            training_input_mode=training_input_mode,
            kms_key_id=kms_key_id,
        )
        job = TrainingJobResource(
            f"{name}-job",
            {
                "name_prefix": name_prefix if name_prefix is not None else readable_prefix(name),
                "request": {**args.to_api(), **extra_request},
                "tags": tags or {},
                "retrain_token": retrain_token,
                "wait_for_completion": wait_for_completion,
                "wait_timeout_seconds": wait_timeout_seconds,
                "training_job_name": None,
                "secret_members": pulumi.Output.from_input(
                    secret_members({"HyperParameters": args.hyperparameters, "Environment": args.environment})
                ),
            },
            pulumi.ResourceOptions(parent=self),
        )
        self.arn = job.arn
        self.image_uri = pulumi.Output.from_input(image_uri)
        self.training_job_name = job.training_job_name
        self.status = job.status
        self.secondary_status = job.secondary_status
        self.model_artifacts = job.model_artifacts
        self.failure_reason = job.failure_reason
        self.billable_time_in_seconds = job.billable_time_in_seconds
        self.training_time_in_seconds = job.training_time_in_seconds
        self.final_metrics = job.final_metrics
        self.register_outputs(
            {
                "arn": self.arn,
                "training_job_name": self.training_job_name,
                "status": self.status,
                "model_artifacts": self.model_artifacts,
            }
        )
