"""Programs for the engine tests: every dynamic resource of ours, nothing pulumi-aws would serve.

Native resources (roles, groups, models, endpoint configs) need the pulumi-aws plugin, which
cannot be had here, so the tests create what our resources stand on with boto3 (`prepare`):
a model package group, two models and three endpoint configs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
from pulumi.dynamic import DiffResult

from components import (
    Compute,
    Feature,
    FeatureGroup,
    InputData,
    ModelPackage,
    Networking,
    OnlineStore,
    OutputDataConfig,
    TrainingJob,
)
from components.providers.endpoint import EndpointResource
from components.providers.training_job import TrainingJobProvider, TrainingJobResource
from sagestack.testing.local_aws import LocalAws
from tests.sagemaker_requests import IMAGE, ROLE, endpoint_config, model

GROUP = "churn-models"
CONFIGS = ("churn-config-a", "churn-config-b", "churn-config-c")
QUICK = {
    "training_job": {"starting": 0.1, "downloading": 0.1, "training": 0.3, "uploading": 0.1, "stopping": 0.1},
    "endpoint": {"creating": 0.3, "updating": 0.3, "deleting": 0.2},
    "feature_group": {"creating": 0.3, "updating": 0.2, "deleting": 0.2},
    "model_package": {"pending": 0.1, "in_progress": 0.1, "deleting": 0.1},
}
"""Status durations that keep every engine test's lifecycle under a few seconds."""


def prepare(aws: LocalAws) -> None:
    """What pulumi-aws would create in a real program: a package group, models, endpoint configs."""
    aws.set_durations(QUICK)
    sagemaker = aws.client("sagemaker")
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    for config in CONFIGS:
        sagemaker.create_model(**model(f"model-{config}"))
        sagemaker.create_endpoint_config(**endpoint_config(config, model_name=f"model-{config}"))


@dataclass(frozen=True)
class Platform:
    """The four dynamic resources, each with the knobs the tests turn."""

    team: str = "ml"
    max_depth: str = "5"
    network_isolation: bool = True
    approval: str = "PendingManualApproval"
    extra_features: tuple[str, ...] = ()
    endpoint_config: str = CONFIGS[0]
    kms_key_id: str | None = None
    secret_environment: dict[str, str] = field(default_factory=dict)
    """Environment values given to the training job as Pulumi secrets."""
    secret_hyperparameters: dict[str, str] = field(default_factory=dict)
    job_class: type[TrainingJobResource] | None = None
    """Run the job as this dynamic resource instead of through the component (the negative control)."""

    def but(self, **changes: Any) -> Platform:
        return replace(self, **changes)

    def program(self) -> Callable[[], None]:
        def run() -> None:
            job_output = self.training_job()
            ModelPackage(
                "churn-model",
                group_name=GROUP,
                image_uri=IMAGE,
                model_data_url=job_output,
                approval_status=self.approval,
            )
            features = ["customer_id", "event_time", *self.extra_features]
            FeatureGroup(
                "customers",
                record_identifier="customer_id",
                event_time="event_time",
                features=[Feature(name=f, type="Fractional" if f == "event_time" else "String") for f in features],
                online_store=OnlineStore(),
                tags={"team": self.team},
            )
            endpoint = EndpointResource(
                "churn-endpoint",
                {
                    "endpoint_name": "churn",
                    "endpoint_config_name": self.endpoint_config,
                    "deployment_config": None,
                    "retry_failed_config": False,
                    "tags": {"team": self.team},
                },
            )
            pulumi.export("endpoint", endpoint.endpoint_name)

        return run

    def training_program(self) -> Callable[[], None]:
        """The training job alone (interrupts, policies)."""

        def run() -> None:
            pulumi.export("model_artifacts", self.training_job())

        return run

    def training_job(self, name: str = "churn") -> pulumi.Output[str]:
        """The job's model artifacts: unknown in a first preview, so the package's Check sees an unknown."""
        if self.job_class is not None:
            resource = self.job_class(
                "churn-job",
                {"name_prefix": "churn", "request": training_request(self.max_depth), "tags": {"team": self.team}},
            )
            return resource.model_artifacts.apply(lambda url: url or "")
        job = TrainingJob(
            name,
            image_uri=IMAGE,
            role_arn=ROLE,
            compute=Compute(instance_type="ml.m5.large", instance_count=1),
            input_data=[InputData(channel_name="train", data_source="s3://data/train")],
            output_data_config=OutputDataConfig(s3_output_path="s3://data/output"),
            hyperparameters={
                "max_depth": self.max_depth,
                **{key: pulumi.Output.secret(value) for key, value in self.secret_hyperparameters.items()},
            },
            environment={key: pulumi.Output.secret(value) for key, value in self.secret_environment.items()},
            networking=Networking(enable_network_isolation=self.network_isolation),
            kms_key_id=self.kms_key_id,
            tags={"team": self.team},
        )
        return job.model_artifacts.apply(lambda url: url or "")


def training_request(max_depth: str) -> dict[str, Any]:
    return {
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": "s3://data/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "HyperParameters": {"max_depth": max_depth},
    }


class AlwaysChangingProvider(TrainingJobProvider):
    """A deliberately broken provider: its Diff reports a change on every run (the negative control)."""

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=True, replaces=[], delete_before_replace=False)


class AlwaysChangingTrainingJob(TrainingJobResource, module="sagemaker", name="TrainingJob"):
    """The training job served by `AlwaysChangingProvider`."""

    provider_class = AlwaysChangingProvider
