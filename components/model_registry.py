"""The model registry: `ModelRegistry` (a model package group, optionally shared across
accounts) and `ModelPackage` (a versioned, approvable package in it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from components.configs import (
    ApiRequest,
    ComponentArgs,
    ConfigModel,
    StrInput,
    component_args,
    located_error,
    publish,
    refuse_invalid,
)
from components.core.api_model import extra_members, to_pulumi_args
from components.core.naming import readable_prefix
from components.core.service_model import input_shape
from components.core.tags import tag_violations
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


class ModelRegistryArgs(ComponentArgs):
    """What a model registry (a model package group) takes."""

    api_shape = "CreateModelPackageGroupInput"
    api_names: ClassVar[Mapping[str, str]] = {
        "group_name": "ModelPackageGroupName",
        "description": "ModelPackageGroupDescription",
    }
    api_overrides = frozenset({"share_with_accounts", "tags"})

    group_name: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    """The group's name (default: from the component's name)."""
    description: str | None = Field(default=None, max_length=1024)
    share_with_accounts: list[str] = Field(default_factory=list)
    """12-digit account IDs allowed to describe the group and its packages and list the packages."""
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("share_with_accounts")
    @classmethod
    def _accounts_are_ids(cls, accounts: list[str]) -> list[str]:
        bad = [account for account in accounts if not account.isdigit() or len(account) != 12]
        if bad:
            raise ValueError(f"{bad} are not 12-digit AWS account IDs")
        return accounts


class ModelRegistry(pulumi.ComponentResource):
    """A model package group (native pulumi-aws), shared read-only with other accounts if asked.

    `share_with_accounts` adds a ModelPackageGroupPolicy that lets those accounts describe the
    group and its packages and list the packages, so staging and prod accounts can deploy a
    version registered in a central account.

    Arguments: a `ModelRegistryArgs` as `args`, or its fields as keyword arguments.
    """

    group_name: pulumi.Output[str]
    """The model package group's name."""
    arn: pulumi.Output[str]
    """The model package group's ARN."""

    def __init__(
        self,
        name: str,
        args: ModelRegistryArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        owner = f"ModelRegistry {name}"
        args = component_args(ModelRegistryArgs, args, kwargs, owner)
        super().__init__("sagemaker:registry:ModelRegistry", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        request = args.model_copy(update={"group_name": args.group_name or readable_prefix(name, 63)}).to_api()
        # pulumi-aws checks nothing of what its ModelPackageGroup sends: checked here, before it is registered.
        refuse_invalid(owner, args, [ApiRequest("CreateModelPackageGroup", request)], tag_violations(args.tags))
        group = aws.sagemaker.ModelPackageGroup(
            f"{name}-group",
            **to_pulumi_args(request, input_shape("CreateModelPackageGroup")),
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
        publish(self, group, group_name=group.model_package_group_name)


class ModelMetadata(ConfigModel):
    """Where a package came from (MetadataProperties)."""

    api_shape = "MetadataProperties"

    commit_id: str | None = None
    repository: str | None = None
    generated_by: str | None = None
    project_id: str | None = None


class ModelMetrics(ConfigModel):
    """S3 URIs of the JSON statistics and constraints reports (ModelMetrics)."""

    api_shape = "ModelMetrics"
    api_names: ClassVar[Mapping[str, str]] = {
        "model_quality_statistics": "ModelQuality.Statistics.S3Uri",
        "model_quality_constraints": "ModelQuality.Constraints.S3Uri",
        "model_data_quality_statistics": "ModelDataQuality.Statistics.S3Uri",
        "model_data_quality_constraints": "ModelDataQuality.Constraints.S3Uri",
    }

    model_quality_statistics: StrInput | None = None
    model_quality_constraints: StrInput | None = None
    model_data_quality_statistics: StrInput | None = None
    model_data_quality_constraints: StrInput | None = None

    def to_api(self) -> dict[str, Any]:
        # Each report is a JSON document: every MetricsSource given says so.
        api = super().to_api()
        for reports in api.values():
            for source in reports.values():
                source["ContentType"] = "application/json"
        return api


class ModelPackageArgs(ComponentArgs):
    """What a model package registers: one container, what it serves, its provenance, and how
    it is approved.

    Give the group as `registry` (a ModelRegistry) or `group_name` (a version in that group), or
    `package_name` for an unversioned package (no group, no approval, tags allowed); and the model
    as `model_source` (a TrainingJob: its image and artifacts) or `image_uri` + `model_data_url`.
    """

    api_shape = "CreateModelPackageInput"
    api_names: ClassVar[Mapping[str, str]] = {
        "group_name": "ModelPackageGroupName",
        "package_name": "ModelPackageName",
        "image_uri": "InferenceSpecification.Containers[].Image",
        "model_data_url": "InferenceSpecification.Containers[].ModelDataUrl",
        "environment": "InferenceSpecification.Containers[].Environment",
        "description": "ModelPackageDescription",
        "supported_content_types": "InferenceSpecification.SupportedContentTypes",
        "supported_response_mime_types": "InferenceSpecification.SupportedResponseMIMETypes",
        "supported_realtime_inference_instance_types": "InferenceSpecification.SupportedRealtimeInferenceInstanceTypes",
        "supported_transform_instance_types": "InferenceSpecification.SupportedTransformInstanceTypes",
        "metadata": "MetadataProperties",
    }
    # Approval and customer metadata change in place: the provider takes them beside the request.
    api_overrides = frozenset(
        {
            "registry",
            "model_source",
            "skip_model_validation",
            "approval_status",
            "approval_description",
            "customer_metadata",
            "tags",
            "wait_timeout_seconds",
            "delete_approved_versions",
            "extra",
        }
    )

    registry: ModelRegistry | None = None
    group_name: StrInput | None = None
    package_name: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    """An unversioned package of this name, outside any group (instead of registry or group_name)."""
    model_source: TrainingJob | None = None
    image_uri: StrInput | None = None
    model_data_url: StrInput | None = None
    environment: dict[str, StrInput] = Field(default_factory=dict)
    """The serving container's environment. Values may be Outputs of other resources, but not
    secrets: see `not_secret`."""
    description: str | None = None
    supported_content_types: list[str] = Field(default_factory=lambda: ["text/csv"])
    supported_response_mime_types: list[str] = Field(default_factory=lambda: ["text/csv"])
    supported_realtime_inference_instance_types: list[str] = Field(default_factory=list)
    supported_transform_instance_types: list[str] = Field(default_factory=list)
    approval_status: str = "PendingManualApproval"
    """Changes in place; an approval made outside Pulumi shows on `pulumi refresh`. Versions only:
    an unversioned package has none (SageMaker: it "does not apply to unversioned models")."""
    approval_description: str | None = None
    customer_metadata: dict[str, StrInput] = Field(default_factory=dict)
    """Changes in place; values may be secrets (they are not part of the version's identity)."""
    metadata: ModelMetadata | None = None
    model_metrics: ModelMetrics | None = None
    domain: str | None = None
    task: str | None = None
    sample_payload_url: StrInput | None = None
    skip_model_validation: bool = False
    tags: dict[str, str] = Field(default_factory=dict)
    """Only for packages outside a group: SageMaker refuses tags on a versioned package (tag the registry)."""
    wait_timeout_seconds: int = 3600
    delete_approved_versions: bool = False
    """A version that was approved or rejected stays in the registry when this resource is
    destroyed or replaced: it is lineage other stacks may serve by ARN. True deletes those too."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Any other CreateModelPackage member in snake_case (`drift_check_baselines`, `model_card`,
    `validation_specification`...), checked like the rest."""

    @field_validator("supported_content_types", "supported_response_mime_types")
    @classmethod
    def _csv_unless_given(cls, value: list[str]) -> list[str]:
        return value or ["text/csv"]

    @property
    def versioned(self) -> bool:
        """A version in a group, rather than an unversioned package (`package_name`)."""
        return self.package_name is None

    @model_validator(mode="after")
    def _one_group_and_an_image(self) -> ModelPackageArgs:
        given = [field for field in ("registry", "group_name", "package_name") if getattr(self, field) is not None]
        if len(given) != 1:
            where = given[-1] if given else "registry"
            raise located_error(
                ModelPackageArgs,
                where,
                "set exactly one of registry and group_name (a version in a group), or package_name (an "
                "unversioned package)",
                getattr(self, where),
            )
        if not self.versioned and "approval_status" in self.model_fields_set:
            raise located_error(
                ModelPackageArgs,
                "approval_status",
                "an unversioned package (package_name) has no approval status: approval applies to versions "
                "in a group (registry or group_name)",
                self.approval_status,
            )
        if self.image_uri is None and self.model_source is None and not self._inference_elsewhere:
            raise located_error(
                ModelPackageArgs,
                "image_uri",
                "set image_uri, or model_source to a TrainingJob trained from an image (or, for a package of "
                "an algorithm, extra.source_algorithm_specification)",
                None,
            )
        return self

    @property
    def _inference_elsewhere(self) -> bool:
        """Whether `extra` says what the package serves: a whole inference specification, or the
        algorithm it was trained with (whose own inference specification SageMaker uses)."""
        return bool({"inference_specification", "source_algorithm_specification"} & set(self.extra))

    def to_api(self) -> dict[str, Any]:
        """The immutable part of CreateModelPackage (approval and metadata are updatable inputs)."""
        source = self.model_source
        # The training job's outputs are known once it completed: never None when used here.
        given = self.model_copy(
            update={
                "group_name": self.registry.group_name if self.registry is not None else self.group_name,
                "image_uri": self.image_uri if self.image_uri is not None or source is None else source.image_uri,
                "model_data_url": self.model_data_url or (source.model_artifacts if source is not None else None),
            }
        )
        request = super(ModelPackageArgs, given).to_api()
        if self.image_uri is None and source is None:
            # No container of ours (extra says what the package serves): the default content
            # types alone would be an InferenceSpecification without containers, which is refused.
            request.pop("InferenceSpecification", None)
        if self.skip_model_validation:
            request["SkipModelValidation"] = "All"
        return request


def not_secret(where: str, value: pulumi.Output[str]) -> pulumi.Output[str]:
    """`value`, or an error if it is a Pulumi secret: a package's container environment is part of
    the version itself. It is fixed for the version's lifetime, readable by every account the
    registry is shared with (DescribeModelPackage), and its request is what the ClientToken is
    derived from, so no part of it could stay encrypted. Secrets belong to the deployment."""

    async def refuse_secret() -> None:
        if await value.is_secret():
            raise ValueError(
                f"{where} is a Pulumi secret, but a model package's environment is stored in the version "
                "in plain text, readable by every account the registry is shared with. Pass the secret where "
                "the model is deployed (ModelEndpoint(environment=...) keeps it encrypted), or give the "
                "container the name of a Secrets Manager secret to read at start-up."
            )

    return pulumi.Output.all(value, pulumi.Output.from_input(refuse_secret())).apply(lambda pair: pair[0])


class ModelPackage(pulumi.ComponentResource):
    """A versioned model package in a registry, approvable in place; or, with `package_name`, an
    unversioned package outside any registry (no approval; tags allowed, sent at creation: a tag
    change registers it again).

    Approval status, approval description and customer metadata change in place; any other
    change registers a new version. Packages in a group cannot carry tags (SageMaker refuses
    them): tag the registry. Versions that were approved or rejected are kept on destroy unless
    `delete_approved_versions=True`; pending versions are deleted.

    Arguments: a `ModelPackageArgs` as `args`, or its fields as keyword arguments.
    """

    arn: pulumi.Output[str]
    """The package version's ARN (`.../model-package/<group>/<version>`; `.../model-package/<name>` unversioned)."""
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
        args: ModelPackageArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        args = component_args(ModelPackageArgs, args, kwargs, f"ModelPackage {name}")
        super().__init__("sagemaker:registry:ModelPackage", name, None, opts)
        extra_request = extra_members("CreateModelPackage", args.extra, f"ModelPackage {name}")
        self.declared_approval_status: str | None = args.approval_status if args.versioned else None
        """The approval this program asks for (what a production endpoint checks); None for an
        unversioned package, which has no approval."""
        source = args.model_source
        self.declared_image_uri: pulumi.Input[str | None] | None = (
            args.image_uri if args.image_uri is not None or source is None else source.image_uri
        )
        """The image the package serves (what a generated hosting role may pull)."""
        self.declared_model_data_url: pulumi.Input[str | None] | None = args.model_data_url or (
            source.model_artifacts if source is not None else None
        )
        """The package's model artifacts (what a generated hosting role may read)."""
        args.environment = {
            key: not_secret(f"ModelPackage {name}: environment.{key}", value)
            if isinstance(value, pulumi.Output)
            else value
            for key, value in args.environment.items()
        }
        package = ModelPackageResource(
            f"{name}-version",
            {
                "logical_name": readable_prefix(name),
                "request": {**args.to_api(), **extra_request},
                "approval_status": args.approval_status if args.versioned else None,
                "approval_description": args.approval_description,
                "customer_metadata": args.customer_metadata,
                "tags": args.tags,
                "wait_timeout_seconds": args.wait_timeout_seconds,
                "client_token": None,
                "delete_approved": args.delete_approved_versions,
            },
            pulumi.ResourceOptions(parent=self),
        )
        publish(self, package)
