"""The model registry: `ModelRegistry` (a model package group, optionally shared across
accounts) and `ModelPackage` (a versioned, approvable package in it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

import pulumi
import pulumi_aws as aws
from pydantic import Field, model_validator

from components.configs import ConfigModel, StrInput, _api
from components.core.api_model import extra_members
from components.core.naming import readable_prefix
from components.providers.model_package import ModelPackageResource
from components.training_job import TrainingJob

ACCOUNT_ID = r"^\d{12}$"
CROSS_ACCOUNT_READ = [
    "sagemaker:DescribeModelPackage",
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:ListModelPackages",
]


def cross_account_policy(group_arn: str, accounts: list[str]) -> dict[str, Any]:
    """A resource policy letting `accounts` read the group and every package version in it."""
    packages = group_arn.replace(":model-package-group/", ":model-package/") + "/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CrossAccountRead",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{account}:root" for account in accounts]},
                "Action": CROSS_ACCOUNT_READ,
                "Resource": [group_arn, packages],
            }
        ],
    }


class ModelRegistryArgs(ConfigModel):
    group_name: str = Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    description: str | None = Field(default=None, max_length=1024)
    share_with_accounts: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _accounts_are_ids(self) -> ModelRegistryArgs:
        bad = [account for account in self.share_with_accounts if not account.isdigit() or len(account) != 12]
        if bad:
            raise ValueError(f"share_with_accounts: {bad} are not 12-digit AWS account IDs")
        return self


class ModelRegistry(pulumi.ComponentResource):
    """A model package group (native pulumi-aws), shared read-only with other accounts if asked.

    `share_with_accounts` adds a ModelPackageGroupPolicy that lets those accounts describe the
    group and its packages and list the packages, so staging and prod accounts can deploy a
    version registered in a central account.
    """

    group_name: pulumi.Output[str]
    """The model package group's name."""
    arn: pulumi.Output[str]
    """The model package group's ARN."""

    def __init__(
        self,
        name: str,
        *,
        group_name: str | None = None,
        description: str | None = None,
        share_with_accounts: list[str] | None = None,
        tags: dict[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("sagemaker:registry:ModelRegistry", name, None, opts)
        args = ModelRegistryArgs(
            group_name=group_name or readable_prefix(name, 63),
            description=description,
            share_with_accounts=share_with_accounts or [],
            tags=tags or {},
        )
        child = pulumi.ResourceOptions(parent=self)
        group = aws.sagemaker.ModelPackageGroup(
            f"{name}-group",
            model_package_group_name=args.group_name,
            model_package_group_description=args.description,
            tags=args.tags or None,
            opts=child,
        )
        if args.share_with_accounts:
            accounts = args.share_with_accounts
            aws.sagemaker.ModelPackageGroupPolicy(
                f"{name}-sharing",
                model_package_group_name=group.model_package_group_name,
                resource_policy=group.arn.apply(lambda arn: json.dumps(cross_account_policy(arn, accounts))),
                opts=child,
            )
        self.group_name = group.model_package_group_name
        self.arn = group.arn
        self.register_outputs({"group_name": self.group_name, "arn": self.arn})


class ModelMetadata(ConfigModel):
    """Where a package came from (MetadataProperties)."""

    commit_id: str | None = None
    repository: str | None = None
    generated_by: str | None = None
    project_id: str | None = None

    def to_api(self) -> dict[str, Any]:
        return _api(
            CommitId=self.commit_id,
            Repository=self.repository,
            GeneratedBy=self.generated_by,
            ProjectId=self.project_id,
        )


class ModelMetrics(ConfigModel):
    """S3 URIs of the JSON statistics and constraints reports (ModelMetrics)."""

    model_quality_statistics: StrInput | None = None
    model_quality_constraints: StrInput | None = None
    model_data_quality_statistics: StrInput | None = None
    model_data_quality_constraints: StrInput | None = None

    def to_api(self) -> dict[str, Any]:
        def source(uri: StrInput | None) -> dict[str, Any] | None:
            return {"ContentType": "application/json", "S3Uri": uri} if uri is not None else None

        quality = _api(
            Statistics=source(self.model_quality_statistics), Constraints=source(self.model_quality_constraints)
        )
        data = _api(
            Statistics=source(self.model_data_quality_statistics),
            Constraints=source(self.model_data_quality_constraints),
        )
        return _api(ModelQuality=quality or None, ModelDataQuality=data or None)


class ModelPackageArgs(ConfigModel):
    """What a model package registers: one container, what it serves, and its provenance."""

    group_name: StrInput
    image_uri: StrInput
    model_data_url: StrInput | None = None
    environment: dict[str, str] = Field(default_factory=dict)
    description: str | None = None
    supported_content_types: list[str] = Field(default_factory=lambda: ["text/csv"])
    supported_response_mime_types: list[str] = Field(default_factory=lambda: ["text/csv"])
    supported_realtime_inference_instance_types: list[str] = Field(default_factory=list)
    supported_transform_instance_types: list[str] = Field(default_factory=list)
    metadata: ModelMetadata | None = None
    model_metrics: ModelMetrics | None = None
    domain: str | None = None
    task: str | None = None
    sample_payload_url: StrInput | None = None
    skip_model_validation: bool = False

    def to_api(self) -> dict[str, Any]:
        """The immutable part of CreateModelPackage (approval and metadata are updatable inputs)."""
        container = _api(Image=self.image_uri, ModelDataUrl=self.model_data_url, Environment=self.environment or None)
        inference = _api(
            Containers=[container],
            SupportedContentTypes=self.supported_content_types,
            SupportedResponseMIMETypes=self.supported_response_mime_types,
            SupportedRealtimeInferenceInstanceTypes=self.supported_realtime_inference_instance_types or None,
            SupportedTransformInstanceTypes=self.supported_transform_instance_types or None,
        )
        return _api(
            ModelPackageGroupName=self.group_name,
            ModelPackageDescription=self.description,
            InferenceSpecification=inference,
            MetadataProperties=self.metadata.to_api() if self.metadata else None,
            ModelMetrics=self.model_metrics.to_api() if self.model_metrics else None,
            Domain=self.domain,
            Task=self.task,
            SamplePayloadUrl=self.sample_payload_url,
            SkipModelValidation="All" if self.skip_model_validation else None,
        )


class ModelPackage(pulumi.ComponentResource):
    """A versioned model package in a registry, approvable in place.

    Give the group as `registry=` (a ModelRegistry) or `group_name=`, and the model as
    `model_source=` (a TrainingJob: its image and artifacts) or `image_uri=` + `model_data_url=`.
    Approval status, approval description and customer metadata change in place; any other
    change registers a new version. An approval made outside Pulumi shows on `pulumi refresh`.
    Packages in a group cannot carry tags (SageMaker refuses them): tag the registry.
    A version that was approved or rejected stays in the registry when this resource is
    destroyed or replaced (a new version registered): it is lineage that other stacks may serve
    by ARN. `delete_approved_versions=True` deletes those too; pending versions are deleted.
    `extra` takes any other CreateModelPackage member in snake_case (`drift_check_baselines`,
    `model_card`, `validation_specification`...), checked like the rest.
    """

    arn: pulumi.Output[str]
    """The package version's ARN (`.../model-package/<group>/<version>`)."""
    version: pulumi.Output[int]
    """The version number within the group."""
    status: pulumi.Output[str]
    """ModelPackageStatus: Completed after a normal `up`."""
    approval_status: pulumi.Output[str]
    """ModelApprovalStatus, live after `pulumi refresh`."""
    group_name: pulumi.Output[str]
    """The model package group."""
    creation_time: pulumi.Output[str]
    """When SageMaker registered the version (ISO 8601)."""

    def __init__(
        self,
        name: str,
        *,
        registry: ModelRegistry | None = None,
        group_name: StrInput | None = None,
        model_source: TrainingJob | None = None,
        image_uri: StrInput | None = None,
        model_data_url: StrInput | None = None,
        environment: dict[str, str] | None = None,
        description: str | None = None,
        supported_content_types: list[str] | None = None,
        supported_response_mime_types: list[str] | None = None,
        supported_realtime_inference_instance_types: list[str] | None = None,
        supported_transform_instance_types: list[str] | None = None,
        approval_status: str = "PendingManualApproval",
        approval_description: str | None = None,
        customer_metadata: Mapping[str, StrInput] | None = None,
        metadata: ModelMetadata | None = None,
        model_metrics: ModelMetrics | None = None,
        domain: str | None = None,
        task: str | None = None,
        sample_payload_url: StrInput | None = None,
        skip_model_validation: bool = False,
        tags: dict[str, str] | None = None,
        wait_timeout_seconds: int = 3600,
        delete_approved_versions: bool = False,
        extra: dict[str, Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("sagemaker:registry:ModelPackage", name, None, opts)
        extra_request = extra_members("CreateModelPackage", extra, f"ModelPackage {name}")
        self.declared_approval_status = approval_status
        """The approval this program asks for (what a production endpoint checks)."""
        if (registry is None) == (group_name is None):
            raise ValueError(f"ModelPackage {name}: set exactly one of registry and group_name")
        if model_source is not None:
            # The training job's outputs are known once it completed: never None when used here.
            image_uri = image_uri if image_uri is not None else cast(pulumi.Output[str], model_source.image_uri)
            model_data_url = model_data_url or cast(pulumi.Output[str], model_source.model_artifacts)
        if image_uri is None:
            raise ValueError(
                f"ModelPackage {name}: set image_uri, or model_source to a TrainingJob trained from an image"
            )
        args = ModelPackageArgs(
            group_name=registry.group_name if registry is not None else group_name,  # type: ignore[arg-type]
            image_uri=image_uri,
            model_data_url=model_data_url,
            environment=environment or {},
            description=description,
            supported_content_types=supported_content_types or ["text/csv"],
            supported_response_mime_types=supported_response_mime_types or ["text/csv"],
            supported_realtime_inference_instance_types=supported_realtime_inference_instance_types or [],
            supported_transform_instance_types=supported_transform_instance_types or [],
            metadata=metadata,
            model_metrics=model_metrics,
            domain=domain,
            task=task,
            sample_payload_url=sample_payload_url,
            skip_model_validation=skip_model_validation,
        )
        package = ModelPackageResource(
            f"{name}-version",
            {
                "logical_name": readable_prefix(name),
                "request": {**args.to_api(), **extra_request},
                "approval_status": approval_status,
                "approval_description": approval_description,
                "customer_metadata": dict(customer_metadata or {}),
                "tags": tags or {},
                "wait_timeout_seconds": wait_timeout_seconds,
                "client_token": None,
                "delete_approved": delete_approved_versions,
            },
            pulumi.ResourceOptions(parent=self),
        )
        self.arn = package.arn
        self.version = package.version  # type: ignore[assignment]
        self.status = package.status
        self.approval_status = package.approval_status
        self.group_name = package.group_name  # type: ignore[assignment]
        self.creation_time = package.creation_time
        self.register_outputs(
            {"arn": self.arn, "version": self.version, "status": self.status, "approval_status": self.approval_status}
        )
