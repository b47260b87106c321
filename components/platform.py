"""`MLPlatform`: the whole estate of one environment, built from its stack config."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pulumi
import pulumi_aws as aws
from pydantic import BaseModel

from components.configs import OutputDataConfig
from components.feature_store import FeatureGroup
from components.model_registry import ModelPackage, ModelRegistry
from components.platform_config import PlatformConfig
from components.serving import ModelEndpoint, describe_approval
from components.training_job import TrainingJob


def with_key(store: Any, kms_key_id: str | None) -> Any:
    """A store's config (data capture, an online or offline store) with the stack's default KMS
    key where it names none: `defaults.kms_key_id` encrypts everything the platform stores."""
    settable = isinstance(store, BaseModel) and "kms_key_id" in type(store).model_fields
    if kms_key_id and settable and cast(Any, store).kms_key_id is None:
        return store.model_copy(update={"kms_key_id": kms_key_id})
    return store


class MLPlatform(pulumi.ComponentResource):
    """Feature groups, a training job, its registration as a package, and an endpoint.

    What is built follows the config: dev trains and registers, staging and prod serve a
    promoted `serving.model_package_arn` (possibly from a registry in another account). A
    production environment refuses to serve a package that is not Approved.
    """

    endpoint_name: pulumi.Output[str | None]
    """The serving endpoint, if this environment serves."""
    served_package_arn: pulumi.Output[str | None]
    """The model package version the endpoint serves."""
    training_job_name: pulumi.Output[str | None]
    """The training job, if this environment trains."""
    feature_group_names: pulumi.Output[list[str]]
    """The feature groups of this environment."""

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        approval_lookup: Callable[[str], str] = describe_approval,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("sagemaker:platform:MLPlatform", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = {"environment": config.environment.name, **config.tags}
        kms = config.defaults.kms_key_id

        # A feature group's config is FeatureGroupArgs' own fields, under the same names, plus its name.
        groups = [
            FeatureGroup(
                group.name,
                tags=tags,
                opts=child,
                **{key: with_key(value, kms) for key, value in group if key != "name"},
            )
            for group in config.feature_groups
        ]

        job = None
        if config.training is not None:
            training = config.training
            job = TrainingJob(
                f"{name}-train",
                image_uri=training.image_uri,
                role_arn=training.role_arn,
                compute=training.compute,
                input_data=training.input_data,
                output_data_config=OutputDataConfig(s3_output_path=training.output_s3_path),
                stopping_condition=training.stopping_condition,
                hyperparameters=training.hyperparameters,
                networking=config.defaults.networking,
                kms_key_id=kms,
                retrain_token=training.retrain_token,
                tags=tags,
                opts=child,
            )

        package = None
        if config.registry is not None:
            registry_config = config.registry
            registry = (
                ModelRegistry(
                    f"{name}-registry",
                    group_name=registry_config.group_name,
                    share_with_accounts=registry_config.share_with_accounts,
                    tags=tags,
                    opts=child,
                )
                if registry_config.create
                else None
            )
            if registry_config.register_model and job is not None:
                package = ModelPackage(
                    f"{name}-model",
                    registry=registry,
                    group_name=None if registry is not None else registry_config.group_name,
                    model_source=job,
                    approval_status=registry_config.approval_status,
                    opts=child,
                )

        endpoint = None
        served: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        if config.serving is not None:
            serving = config.serving
            source = serving.model_package_arn or package
            assert source is not None  # the config schema guarantees a source
            endpoint = ModelEndpoint(
                serving.endpoint_name,
                model_source=source,
                variants=serving.variants,
                role_arn=serving.role_arn,
                deployment=serving.deployment,
                data_capture=with_key(serving.data_capture, kms),
                kms_key_id=kms,
                production=config.environment.production,
                approval_lookup=approval_lookup,
                tags=tags,
                opts=child,
            )
            served = pulumi.Output.from_input(serving.model_package_arn or (package.arn if package else None))

        self.endpoint_name = endpoint.endpoint_name if endpoint else pulumi.Output.from_input(None)
        self.served_package_arn = served
        self.training_job_name = job.training_job_name if job else pulumi.Output.from_input(None)
        self.feature_group_names = pulumi.Output.all(*[group.feature_group_name for group in groups])
        self.register_outputs(
            {
                "endpoint_name": self.endpoint_name,
                "served_package_arn": self.served_package_arn,
                "training_job_name": self.training_job_name,
                "feature_group_names": self.feature_group_names,
            }
        )


def package_version(arn: str | None) -> int | None:
    """The version number at the end of a versioned package ARN."""
    tail = (arn or "").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def program(approval_lookup: Callable[[str], str] = describe_approval) -> MLPlatform:
    """The whole Pulumi program of a stack (what `__main__.py` runs; `sagestack render` too)."""

    config = PlatformConfig.from_pulumi()
    stack = pulumi.get_stack()
    artifacts = aws.s3.Bucket(
        "artifacts",
        force_destroy=stack == "local",
        tags={"project": pulumi.get_project(), "stack": stack},
    )
    platform = MLPlatform(config.environment.name, config, approval_lookup=approval_lookup)
    pulumi.export("artifact_bucket", artifacts.bucket)
    pulumi.export("endpoint_name", platform.endpoint_name)
    pulumi.export("served_package_arn", platform.served_package_arn)
    pulumi.export("served_package_version", platform.served_package_arn.apply(package_version))
    pulumi.export("training_job_name", platform.training_job_name)
    pulumi.export("feature_group_names", platform.feature_group_names)
    return platform
