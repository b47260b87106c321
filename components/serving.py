"""`ModelEndpoint`: a model, an immutable endpoint config and a safely deployed endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, TypeVar, cast

import pulumi
import pulumi_aws as aws
from pydantic import ConfigDict, Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from components.configs import (
    ApiRequest,
    ComponentArgs,
    ConfigModel,
    InvalidArguments,
    Networking,
    StrInput,
    by_distinct_fields,
    component_args,
    located_error,
    publish,
    refuse_invalid,
)
from components.core.api_model import extra_members, snake_path, to_pulumi_args
from components.core.naming import readable_prefix
from components.core.secrets import credential_violations
from components.core.service_model import Violation, input_shape, shape_named, validate
from components.core.tags import tag_violations
from components.core.unknowns import UNKNOWN
from components.model_registry import ModelPackage
from components.providers.endpoint import EndpointResource
from components.roles import (
    EcrImage,
    S3Location,
    StackScope,
    parse_ecr_image,
    parse_s3_uri,
    sagemaker_role,
    stack_scope,
)
from components.rules.deployment import deployment_rules
from components.training_job import TrainingJob

SERVERLESS_MEMORY = range(1024, 6145, 1024)
Parsed = TypeVar("Parsed")


def _instance_type(value: str) -> str:
    """An instance type SageMaker hosting knows (the enum of botocore's model)."""
    for violation in validate(value, shape_named("ProductionVariantInstanceType"))[1]:
        raise ValueError(violation.reason)
    return value


class ManagedInstanceScaling(ConfigModel):
    """Let SageMaker scale a variant's instances between min and max."""

    api_shape = "ProductionVariantManagedInstanceScaling"
    api_constants: ClassVar[Mapping[str, Any]] = {"Status": "ENABLED"}

    min_instance_count: int = Field(ge=1)
    max_instance_count: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> ManagedInstanceScaling:
        if self.min_instance_count > self.max_instance_count:
            raise located_error(
                ManagedInstanceScaling,
                "min_instance_count",
                "min_instance_count must not exceed max_instance_count",
                self.min_instance_count,
            )
        return self


class InstanceVariant(ConfigModel):
    """A production variant on instances."""

    api_shape = "ProductionVariant"
    api_names: ClassVar[Mapping[str, str]] = {
        "name": "VariantName",
        "initial_weight": "InitialVariantWeight",
        "routing_strategy": "RoutingConfig.RoutingStrategy",
    }

    name: str = "primary"
    instance_type: str
    initial_instance_count: int = Field(default=1, ge=1)
    initial_weight: float = Field(default=1.0, ge=0)
    volume_size_in_gb: int | None = Field(default=None, ge=1, le=512)
    managed_instance_scaling: ManagedInstanceScaling | None = None
    routing_strategy: Literal["LEAST_OUTSTANDING_REQUESTS", "RANDOM"] | None = None

    _check_type = field_validator("instance_type")(_instance_type)


class ServerlessVariant(ConfigModel):
    """A serverless production variant: memory in 1 GB steps, concurrency limits."""

    api_shape = "ProductionVariant"
    api_names: ClassVar[Mapping[str, str]] = {
        "name": "VariantName",
        "memory_size_in_mb": "ServerlessConfig.MemorySizeInMB",
        "max_concurrency": "ServerlessConfig.MaxConcurrency",
        "provisioned_concurrency": "ServerlessConfig.ProvisionedConcurrency",
        "initial_weight": "InitialVariantWeight",
    }

    name: str = "primary"
    memory_size_in_mb: int = 2048
    max_concurrency: int = Field(default=5, ge=1, le=200)
    provisioned_concurrency: int | None = Field(default=None, ge=1, le=200)
    initial_weight: float = Field(default=1.0, ge=0)

    @field_validator("memory_size_in_mb")
    @classmethod
    def _memory_steps(cls, value: int) -> int:
        if value not in SERVERLESS_MEMORY:
            raise ValueError("must be 1024-6144 MB in 1 GB steps (1024, 2048, ... 6144)")
        return value

    @model_validator(mode="after")
    def _provisioned_within_max(self) -> ServerlessVariant:
        if self.provisioned_concurrency is not None and self.provisioned_concurrency > self.max_concurrency:
            raise located_error(
                ServerlessVariant,
                "provisioned_concurrency",
                "provisioned_concurrency must not exceed max_concurrency",
                self.provisioned_concurrency,
            )
        return self


Variant = Annotated[
    Annotated[InstanceVariant, Tag("InstanceVariant")] | Annotated[ServerlessVariant, Tag("ServerlessVariant")],
    # Told apart by the fields given (`instance_type` or `memory_size_in_mb`...), so a mistake is
    # reported by the variant meant, once. Nothing of either: serverless, all of whose fields have defaults.
    Discriminator(by_distinct_fields(InstanceVariant, ServerlessVariant, default=ServerlessVariant)),
]
"""A production variant: on instances or serverless (a dict is read as the one its fields belong to)."""


class DataCapture(ConfigModel):
    """Capture a sample of requests and responses to S3."""

    api_shape = "DataCaptureConfig"
    api_names: ClassVar[Mapping[str, str]] = {
        "sampling_percentage": "InitialSamplingPercentage",
        "capture_modes": "CaptureOptions[].CaptureMode",
    }
    api_constants: ClassVar[Mapping[str, Any]] = {"EnableCapture": True}

    destination_s3_uri: StrInput
    sampling_percentage: int = Field(default=100, ge=0, le=100)
    capture_modes: list[Literal["Input", "Output", "InputAndOutput"]] = Field(
        default_factory=lambda: ["Input", "Output"]
    )
    kms_key_id: StrInput | None = None


class AsyncInference(ConfigModel):
    """Asynchronous inference: where results and failures go, and whom to notify."""

    api_shape = "AsyncInferenceConfig"
    api_names: ClassVar[Mapping[str, str]] = {
        "s3_output_path": "OutputConfig.S3OutputPath",
        "s3_failure_path": "OutputConfig.S3FailurePath",
        "success_topic": "OutputConfig.NotificationConfig.SuccessTopic",
        "error_topic": "OutputConfig.NotificationConfig.ErrorTopic",
        "max_concurrent_invocations_per_instance": "ClientConfig.MaxConcurrentInvocationsPerInstance",
        "kms_key_id": "OutputConfig.KmsKeyId",
    }

    s3_output_path: StrInput
    s3_failure_path: StrInput | None = None
    success_topic: StrInput | None = None
    error_topic: StrInput | None = None
    max_concurrent_invocations_per_instance: int | None = Field(default=None, ge=1, le=1000)
    kms_key_id: StrInput | None = None


class TrafficShift(ConfigModel):
    """How blue/green moves traffic: all at once, a canary first, or in linear steps, each sized in
    % of capacity (`canary_percent`, `linear_step_percent`) or in instances (`canary_instances`,
    `linear_step_instances`)."""

    api_shape = "TrafficRoutingConfig"
    # A size in % and one in instances fill the same member; the validator lets one through.
    api_names: ClassVar[Mapping[str, str]] = {
        "canary_percent": "CanarySize.Value",
        "canary_instances": "CanarySize.Value",
        "linear_step_percent": "LinearStepSize.Value",
        "linear_step_instances": "LinearStepSize.Value",
    }

    type: Literal["ALL_AT_ONCE", "CANARY", "LINEAR"] = "ALL_AT_ONCE"
    wait_interval_in_seconds: int = Field(default=300, ge=0, le=3600)
    canary_percent: int | None = Field(default=None, ge=1, le=50)
    canary_instances: int | None = Field(default=None, ge=1)
    linear_step_percent: int | None = Field(default=None, ge=10, le=50)
    linear_step_instances: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _size_for_type(self) -> TrafficShift:
        for kind, percent, instances in (
            ("CANARY", "canary_percent", "canary_instances"),
            ("LINEAR", "linear_step_percent", "linear_step_instances"),
        ):
            given = [field for field in (percent, instances) if getattr(self, field) is not None]
            if len(given) == 2:
                raise located_error(
                    TrafficShift,
                    instances,
                    f"give {percent} or {instances}, not both (a size is in % of capacity or in instances)",
                    getattr(self, instances),
                )
            if self.type == kind and not given:
                raise located_error(TrafficShift, percent, f"a {kind} shift needs {percent} or {instances}", None)
        return self

    def to_api(self) -> dict[str, Any]:
        # Only the chosen type's size is sent (SageMaker refuses the other), typed by the field given.
        api = super().to_api()
        for kind, member, percent in (
            ("CANARY", "CanarySize", self.canary_percent),
            ("LINEAR", "LinearStepSize", self.linear_step_percent),
        ):
            if self.type != kind:
                api.pop(member, None)
            elif member in api:
                api[member]["Type"] = "CAPACITY_PERCENT" if percent is not None else "INSTANCE_COUNT"
        return api


class BlueGreen(ConfigModel):
    """Blue/green deployment with traffic shifting and auto-rollback alarms."""

    api_shape = "DeploymentConfig"
    api_names: ClassVar[Mapping[str, str]] = {
        "traffic": "BlueGreenUpdatePolicy.TrafficRoutingConfiguration",
        "termination_wait_in_seconds": "BlueGreenUpdatePolicy.TerminationWaitInSeconds",
        "maximum_execution_timeout_in_seconds": "BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds",
        "rollback_alarms": "AutoRollbackConfiguration.Alarms[].AlarmName",
    }

    traffic: TrafficShift = Field(default_factory=TrafficShift)
    termination_wait_in_seconds: int | None = Field(default=None, ge=0, le=3600)
    maximum_execution_timeout_in_seconds: int | None = Field(default=None, ge=600, le=28800)
    rollback_alarms: list[str] = Field(default_factory=list, max_length=10)


class RollingUpdate(ConfigModel):
    """Rolling deployment in batches (% of capacity), with auto-rollback alarms."""

    api_shape = "DeploymentConfig"
    api_names: ClassVar[Mapping[str, str]] = {
        "batch_percent": "RollingUpdatePolicy.MaximumBatchSize.Value",
        "wait_interval_in_seconds": "RollingUpdatePolicy.WaitIntervalInSeconds",
        "maximum_execution_timeout_in_seconds": "RollingUpdatePolicy.MaximumExecutionTimeoutInSeconds",
        "rollback_alarms": "AutoRollbackConfiguration.Alarms[].AlarmName",
    }
    api_constants: ClassVar[Mapping[str, Any]] = {"RollingUpdatePolicy.MaximumBatchSize.Type": "CAPACITY_PERCENT"}

    batch_percent: int = Field(default=25, ge=5, le=50)
    wait_interval_in_seconds: int = Field(default=300, ge=0, le=3600)
    maximum_execution_timeout_in_seconds: int | None = Field(default=None, ge=600, le=28800)
    rollback_alarms: list[str] = Field(default_factory=list, max_length=10)


Deployment = Annotated[
    Annotated[BlueGreen, Tag("BlueGreen")] | Annotated[RollingUpdate, Tag("RollingUpdate")],
    # `traffic` or `termination_wait_in_seconds` is blue/green, `batch_percent` or
    # `wait_interval_in_seconds` rolling; only alarms or timeouts: blue/green, as before.
    Discriminator(by_distinct_fields(BlueGreen, RollingUpdate, default=BlueGreen)),
]
"""Deployment guardrails: blue/green or rolling (a dict is read as the one its fields belong to)."""


def describe_approval(package_arn: str) -> str:
    """The live ModelApprovalStatus of a package (used only for production stacks)."""
    import boto3  # noqa: PLC0415 - only production stacks that serve a package ARN pay for it

    return boto3.client("sagemaker").describe_model_package(ModelPackageName=package_arn)["ModelApprovalStatus"]


ModelSource = ModelPackage | TrainingJob | str


class ModelEndpointArgs(ComponentArgs):
    """Everything a ModelEndpoint takes; all of it is validated before any resource is registered."""

    api_shape = "CreateEndpointConfigInput"
    api_names: ClassVar[Mapping[str, str]] = {
        "variants": "ProductionVariants",
        "shadow_variant": "ShadowProductionVariants[]",
        "data_capture": "DataCaptureConfig",
        "async_inference": "AsyncInferenceConfig",
    }
    # The endpoint config is one of three resources: these go to the model, the endpoint, or the checks.
    api_overrides = frozenset(
        {
            "model_source",
            "role_arn",
            "image_uri",
            "environment",
            "networking",
            "deployment",
            "production",
            "retry_failed_config",
            "tags",
            "approval_lookup",
            "config_extra",
            "create_model_extra",
        }
    )
    # `model_extra` is pydantic's own attribute (a model's extra fields): the argument is that
    # alias of `create_model_extra`, and either name is taken.
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    model_source: ModelSource | None = None
    """A ModelPackage, a model package ARN, or a TrainingJob (with its image or `image_uri`); none
    when the model's containers are given in `model_extra.containers`."""
    variants: list[Variant] = Field(min_length=1, max_length=10)
    role_arn: StrInput | None = None
    """The model's execution role (default: a least-privilege hosting role)."""
    image_uri: StrInput | None = None
    """The serving image for a TrainingJob source (default: the job's training image)."""
    shadow_variant: InstanceVariant | None = None
    deployment: Deployment | None = None
    data_capture: DataCapture | None = None
    async_inference: AsyncInference | None = None
    kms_key_id: StrInput | None = None
    networking: Networking | None = None
    environment: dict[str, StrInput] = Field(default_factory=dict)
    """The container's environment; values may be Pulumi secrets (pulumi-aws keeps them encrypted)."""
    production: bool = False
    """Serve only an Approved package: anything else is refused before anything is created."""
    retry_failed_config: bool = False
    """Re-apply an endpoint config that already failed to deploy (refused by default)."""
    tags: dict[str, str] = Field(default_factory=dict)
    approval_lookup: Callable[[str], str] = describe_approval
    """How a production stack reads a package ARN's approval (default: DescribeModelPackage)."""
    config_extra: dict[str, Any] = Field(default_factory=dict)
    """Other CreateEndpointConfig members in snake_case (`explainer_config`, `metrics_config`...),
    validated with the config; pulumi-aws must support them too."""
    create_model_extra: dict[str, Any] = Field(default_factory=dict, alias="model_extra")
    """`model_extra=`: other CreateModel members in snake_case, validated with the model:
    `primary_container` members added to the container the arguments build (`container_hostname`,
    `mode`, `multi_model_config`, `image_config`...), `containers` in place of that primary container
    (then without model_source, image_uri and environment), `inference_execution_config`."""

    @model_validator(mode="before")
    @classmethod
    def _no_model_extra_is_empty(cls, data: Any) -> Any:
        # As for every other argument, None is "the default" (the base class knows fields by name only).
        if isinstance(data, dict) and "model_extra" in data and data["model_extra"] is None:
            return {key: value for key, value in cast(dict[str, Any], data).items() if key != "model_extra"}
        return data

    @model_validator(mode="after")
    def _one_model(self) -> ModelEndpointArgs:
        """One way to say each part of the model: the arguments build the primary container, or
        `model_extra.containers` replaces it; `model_extra` adds only what no argument says."""
        extra = self.create_model_extra
        if "containers" in extra:
            for field in ("model_source", "image_uri", "environment"):
                if getattr(self, field) not in (None, {}):
                    raise located_error(
                        ModelEndpointArgs,
                        field,
                        f"{field} builds the model's primary container, which model_extra.containers replaces: "
                        "give the containers' images, artifacts and environments in model_extra.containers, or "
                        f"drop containers and keep {field}",
                        getattr(self, field),
                    )
            if "primary_container" in extra:
                raise located_error(
                    ModelEndpointArgs,
                    "model_extra",
                    "model_extra.primary_container and model_extra.containers: a model has one or the other",
                    extra,
                )
        elif self.model_source is None:
            raise located_error(
                ModelEndpointArgs,
                "model_source",
                "required: a ModelPackage, a model package ARN or a TrainingJob (or the model's containers "
                "in model_extra.containers)",
                None,
            )
        for member, argument in MODEL_EXTRA_ARGUMENTS.items():
            head, _, tail = member.partition(".")
            given = extra.get(head)
            if (tail and isinstance(given, dict) and tail in given) or (not tail and head in extra):
                raise located_error(
                    ModelEndpointArgs, "model_extra", f"model_extra.{member} is not taken here: {argument}", given
                )
        return self

    # Cross-field rules are field validators, so each refusal is located at the field to fix; a
    # later field sees the earlier ones in `info.data` (absent if they failed: reported there).
    @field_validator("variants")
    @classmethod
    def _unique_names(cls, variants: list[Variant]) -> list[Variant]:
        names = [variant.name for variant in variants]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"variant names must be unique; repeated: {', '.join(repeated)}")
        return variants

    @field_validator("shadow_variant")
    @classmethod
    def _shadows_one_variant(cls, shadow: InstanceVariant | None, info: ValidationInfo) -> InstanceVariant | None:
        variants: list[Variant] | None = info.data.get("variants")
        if shadow is None or variants is None:
            return shadow
        if len(variants) != 1:
            raise ValueError(f"a shadow variant needs exactly one production variant, not {len(variants)}")
        if shadow.name == variants[0].name:
            raise ValueError(f"variant names must be unique: the shadow variant is also named {shadow.name!r}")
        return shadow

    @field_validator("data_capture", "async_inference")
    @classmethod
    def _not_serverless(cls, value: Any, info: ValidationInfo) -> Any:
        variants: list[Variant] = info.data.get("variants") or []
        if value is not None and any(isinstance(variant, ServerlessVariant) for variant in variants):
            raise ValueError(f"serverless variants do not support {info.field_name}")
        return value

    def config_request(self, model_name: Any) -> dict[str, Any]:
        """CreateEndpointConfig serving `model_name` from every variant, without the name and tags."""
        request = self.to_api()
        for variant in [*request["ProductionVariants"], *request.get("ShadowProductionVariants", [])]:
            variant["ModelName"] = model_name
        return request

    def container(self) -> dict[str, Any]:
        """CreateModel's PrimaryContainer: the package, or the training job's image and artifacts."""
        source = self.model_source
        if source is None:
            raise ValueError("no primary container: the model's containers are model_extra.containers")
        if isinstance(source, ModelPackage | str):
            members = {"ModelPackageName": source.arn if isinstance(source, ModelPackage) else source}
        else:
            image = self.image_uri if self.image_uri is not None else source.image_uri
            members = {"Image": image, "ModelDataUrl": source.model_artifacts}
        return {**members, "Environment": self.environment} if self.environment else members

    def model_request(self, execution_role: Any, extra_model: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """CreateModel without its name: the role, the primary container, and the model's part of
        `networking`, with `extra_model` (`model_extra` in the API's form): its PrimaryContainer
        members are added to the primary container, and its Containers replace it."""
        network = self.networking.to_api() if self.networking else {}
        extra = dict(extra_model or {})
        request: dict[str, Any] = {"ExecutionRoleArn": execution_role}
        if "Containers" not in extra:
            request["PrimaryContainer"] = {**self.container(), **extra.pop("PrimaryContainer", {})}
        return {
            **request,
            **{key: value for key, value in network.items() if key in MODEL_NETWORK_MEMBERS},
            **extra,
        }

    def requests(
        self, endpoint_name: str, extra_config: dict[str, Any], extra_model: dict[str, Any] | None = None
    ) -> list[ApiRequest]:
        """The three requests the endpoint's resources stand for, as the checks see them: the names
        pulumi-aws generates, a role still to be generated and every Output are not known yet."""
        role = self.role_arn if self.role_arn is not None else UNKNOWN
        extra_model = extra_model or {}
        # A violation in a member model_extra replaces is named there (`extra`); one in a member it
        # adds to the primary container is named by a rename, as the container's other members are.
        replaced = {key: value for key, value in self.create_model_extra.items() if key != "primary_container"}
        requests = [
            ApiRequest(
                "CreateModel",
                {**self.model_request(role, extra_model), "ModelName": UNKNOWN},
                renames={**MODEL_ARGUMENTS, **_extra_container_names(extra_model.get("PrimaryContainer"))},
                rules=_plain_credentials,
                extra_field="model_extra",
                extra=replaced,
            ),
            ApiRequest(
                "CreateEndpointConfig",
                {**self.config_request(UNKNOWN), **extra_config, "EndpointConfigName": UNKNOWN},
                extra_field="config_extra",
                extra=self.config_extra,
            ),
        ]
        if self.deployment is not None:
            requests.append(
                ApiRequest(
                    "CreateEndpoint",
                    {
                        "EndpointName": endpoint_name,
                        "EndpointConfigName": UNKNOWN,
                        "DeploymentConfig": self.deployment.to_api(),
                    },
                    renames={"DeploymentConfig": "deployment"},
                    rules=lambda request: deployment_rules(request.get("DeploymentConfig"), "DeploymentConfig"),
                )
            )
        return requests


MODEL_ARGUMENTS = {
    "ExecutionRoleArn": "role_arn",
    "PrimaryContainer.Environment": "environment",
    "PrimaryContainer.Image": "image_uri",
    "PrimaryContainer.ModelDataUrl": "model_source",
    "PrimaryContainer.ModelPackageName": "model_source",
    "VpcConfig.SecurityGroupIds": "networking.security_group_ids",
    "VpcConfig.Subnets": "networking.subnets",
    "EnableNetworkIsolation": "networking.enable_network_isolation",
}
"""The argument each CreateModel member comes from (the model is built by the component, not declared)."""

MODEL_EXTRA_ARGUMENTS = {
    "model_name": "pulumi-aws names the model",
    "tags": "give them as tags",
    "execution_role_arn": "give it as role_arn",
    "vpc_config": "give it as networking",
    "enable_network_isolation": "give it as networking.enable_network_isolation",
    "primary_container.image": "model_source (or image_uri) gives the image",
    "primary_container.model_data_url": "model_source gives the model data",
    "primary_container.model_package_name": "give the package as model_source",
    "primary_container.environment": "give it as environment (values may be Pulumi secrets there)",
}
"""What `model_extra` may not say, and the argument that says it: one way to say each member."""


def _extra_container_names(container: Any, path: str = "PrimaryContainer") -> dict[str, str]:
    """API path -> `model_extra` path, for every member (at every depth) that model_extra adds to
    the primary container: a violation there is named as the user wrote it."""
    names: dict[str, str] = {}
    if path != "PrimaryContainer":
        names[path] = f"model_extra.{snake_path(path, input_shape('CreateModel'))}"
    if isinstance(container, dict):
        for key, item in cast(dict[str, Any], container).items():
            names.update(_extra_container_names(item, f"{path}.{key}"))
    elif isinstance(container, list):
        for index, item in enumerate(cast(list[Any], container)):
            names.update(_extra_container_names(item, f"{path}[{index}]"))
    return names


def _plain_credentials(request: dict[str, Any]) -> list[Violation]:
    """AWS credentials in a container's environment, as the training job refuses them: pulumi-aws
    stores a plain value in the state and SageMaker shows it to every DescribeModel caller. A Pulumi
    secret (unknown here) is the way to pass a secret value."""
    environment = (request.get("PrimaryContainer") or {}).get("Environment") or {}
    violations = credential_violations(environment, "PrimaryContainer.Environment")
    for index, container in enumerate(request.get("Containers") or []):
        if isinstance(container, dict):
            found = cast(dict[str, Any], container).get("Environment") or {}
            violations += credential_violations(found, f"Containers[{index}].Environment")
    return violations


ENDPOINT_CONFIGURATION_NAMES = {
    "KmsKeyId": "kms_key_arn",
    "ProductionVariants[].RoutingConfig": "routing_configs[]",
    "ShadowProductionVariants[].RoutingConfig": "routing_configs[]",
}
"""Where pulumi-aws's EndpointConfiguration does not take botocore's snake_case of a member."""


class ModelEndpoint(pulumi.ComponentResource):
    """A model, an auto-named immutable endpoint config, and an endpoint deployed with guardrails.

    A new config is created before the endpoint moves to it, and the old config is deleted only
    after; a deployment SageMaker rolls back fails `pulumi up` with the reason. With
    `production=True`, a package that is not Approved is refused before anything is created.

    Arguments: a `ModelEndpointArgs` as `args`, or its fields as keyword arguments.
    """

    endpoint_name: pulumi.Output[str]
    """The endpoint's name."""
    endpoint_arn: pulumi.Output[str]
    """The endpoint's ARN."""
    endpoint_config_name: pulumi.Output[str]
    """The config the endpoint serves (live, after refresh)."""
    status: pulumi.Output[str]
    """EndpointStatus: InService after a normal `up`."""
    model_name: pulumi.Output[str]
    """The SageMaker model behind the endpoint."""
    variants: pulumi.Output[list[dict[str, Any]]]
    """Per variant: name, current weight, current instance count, deployed images."""

    def __init__(
        self,
        name: str,
        args: ModelEndpointArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        owner = f"ModelEndpoint {name}"
        args = component_args(ModelEndpointArgs, args, kwargs, owner)
        super().__init__("sagemaker:serving:ModelEndpoint", name, None, opts)
        extra_config = extra_members("CreateEndpointConfig", args.config_extra, owner, "config_extra")
        extra_model = extra_members("CreateModel", args.create_model_extra, owner, "model_extra")
        endpoint_name = readable_prefix(name, 63)
        # pulumi-aws checks nothing of what its Model and EndpointConfiguration send: every request
        # is checked here, all at once, before anything is registered.
        refuse_invalid(
            owner,
            args,
            args.requests(endpoint_name, extra_config, extra_model),
            [*tag_violations(args.tags), *hosting_role_violations(args)],
        )
        if args.production:
            _require_approved(name, args.model_source, args.approval_lookup)

        child = pulumi.ResourceOptions(parent=self)
        execution_role = args.role_arn if args.role_arn is not None else self._hosting_role(name, endpoint_name, args)
        model = aws.sagemaker.Model(
            f"{name}-model",
            **to_pulumi_args(args.model_request(execution_role, extra_model), input_shape("CreateModel")),
            tags=args.tags or None,
            opts=child,
        )
        config = aws.sagemaker.EndpointConfiguration(
            f"{name}-config",
            **to_pulumi_args(
                {**args.config_request(model.name), **extra_config},
                input_shape("CreateEndpointConfig"),
                ENDPOINT_CONFIGURATION_NAMES,
            ),
            tags=args.tags or None,
            opts=child,
        )
        endpoint = EndpointResource(
            f"{name}-endpoint",
            {
                "endpoint_name": endpoint_name,
                "endpoint_config_name": config.name,
                "deployment_config": args.deployment.to_api() if args.deployment else None,
                "retry_failed_config": args.retry_failed_config,
                "tags": args.tags,
            },
            child,
        )
        publish(self, endpoint, model_name=model.name)

    def _hosting_role(self, name: str, endpoint_name: str, args: ModelEndpointArgs) -> pulumi.Output[str]:
        """A role for this model only: its artifacts, its image's repository, this endpoint's logs.

        The image and artifacts may be Outputs (a TrainingJob's), so the policy is written once
        they resolve, each checked again there (the checks before registering saw only literals).
        """
        owner = f"ModelEndpoint {name}"
        model = hosted_model(args)
        assert model is not None  # a package ARN without role_arn was refused before anything was registered
        scope = stack_scope(self)

        def policy(values: list[Any]) -> str:
            stack, image, artifacts = values
            return json.dumps(
                hosting_policy(
                    stack,
                    endpoint_name,
                    _parsed(owner, model.image_argument, image, parse_ecr_image, "the model has no image to pull"),
                    None
                    if artifacts is None
                    else _parsed(owner, model.model_data_argument, artifacts, parse_model_data_url),
                )
            )

        document = pulumi.Output.all(scope, model.image, model.model_data).apply(policy)
        return sagemaker_role(name, scope, document, pulumi.ResourceOptions(parent=self)).arn


MODEL_NETWORK_MEMBERS = ("VpcConfig", "EnableNetworkIsolation")
"""What of Networking a hosted model takes (inter-container encryption is for training)."""


ENDPOINT_METRICS_NAMESPACE = "/aws/sagemaker/Endpoints"
"""Where SageMaker publishes an endpoint's instance metrics (CPU, memory, disk): the one namespace
the hosting role may put metrics in."""


@dataclass(frozen=True)
class HostedModel:
    """What a generated hosting role must reach, and the argument each comes from (for messages)."""

    image: pulumi.Input[str | None] | None
    image_argument: str
    model_data: pulumi.Input[str | None] | None
    model_data_argument: str


def hosted_model(args: ModelEndpointArgs) -> HostedModel | None:
    """The image and model data URL the model serves; None for a package ARN, whose container
    only SageMaker knows (DescribeModelPackage), so that no role can be scoped to it."""
    source = args.model_source
    if source is None or isinstance(source, str):
        return None
    if isinstance(source, ModelPackage):
        return HostedModel(source.declared_image_uri, "model_source", source.declared_model_data_url, "model_source")
    if args.image_uri is not None:
        return HostedModel(args.image_uri, "image_uri", source.model_artifacts, "model_source")
    return HostedModel(source.image_uri, "model_source", source.model_artifacts, "model_source")


def hosting_role_violations(args: ModelEndpointArgs) -> list[Violation]:
    """What refuses a generated hosting role before anything is registered: a package ARN (nothing
    to scope it to) and literal image or artifact URIs a policy cannot name exactly. Outputs are
    checked when they resolve (`ModelEndpoint._hosting_role`)."""
    if args.role_arn is not None:
        return []
    model = hosted_model(args)
    if model is None and args.model_source is None:
        return [
            Violation(
                "role_arn",
                "required with model_extra.containers: a role is generated only for the model_source it is "
                "scoped to. Give a role that may read the containers' artifacts and pull their images",
            )
        ]
    if model is None:
        return [
            Violation(
                "role_arn",
                "required to serve a model package ARN: its image and model artifacts are not known to this "
                "program, so no role scoped to them can be generated. Give a role that may read the artifacts "
                "and pull the image, or pass the ModelPackage itself as model_source",
            )
        ]
    violations: list[Violation] = []
    for value, argument, parse in (
        (model.image, model.image_argument, parse_ecr_image),
        (model.model_data, model.model_data_argument, parse_model_data_url),
    ):
        if isinstance(value, str):
            try:
                parse(value)
            except ValueError as error:
                violations.append(Violation(argument, str(error)))
    return violations


def parse_model_data_url(url: object) -> S3Location:
    """The bucket and key of a model data URL (checked first as the API's `ModelDataUrl`)."""
    return parse_s3_uri(url, "Url")


def _parsed(owner: str, argument: str, value: object, parse: Callable[[object], Parsed], missing: str = "") -> Parsed:
    """`parse(value)`, or the refusal named as a check before registering names it."""
    try:
        if value is None and missing:
            raise ValueError(f"{missing}; give image_uri")
        return parse(value)
    except ValueError as error:
        raise InvalidArguments(owner, [Violation(argument, str(error))]) from None


def hosting_policy(
    scope: StackScope, endpoint_name: str, image: EcrImage, artifacts: S3Location | None
) -> dict[str, Any]:
    """Least privilege for hosting one model: read its artifacts, pull its image, write its
    endpoint's logs and instance metrics (the permissions AWS documents for CreateModel's role).

    No KMS and no `sagemaker:` permission: CreateModel resolves a model package with the caller's
    own credentials, and AWS's list of the execution role's CreateModel permissions names none.
    """
    partition = scope.partition
    log_group = scope.arn("logs", f"log-group:/aws/sagemaker/Endpoints/{endpoint_name}")
    statements: list[dict[str, Any]] = []
    if artifacts is not None:
        statements.append(
            {
                "Sid": "ReadModelArtifacts",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": artifacts.object_arn(partition),
            }
        )
    statements += [
        {
            "Sid": "PullImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": image.repository_arn(partition),
        },
        # ECR's login token is account-wide: AWS supports no resource for GetAuthorizationToken.
        {"Sid": "LogInToEcr", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            # The group itself and its streams; not `<name>*`, which would also match the logs of
            # every endpoint whose name starts with this one's.
            "Resource": [log_group, f"{log_group}:*"],
        },
        # PutMetricData takes no resource in IAM: the namespace condition is what scopes it.
        {
            "Sid": "PutEndpointMetrics",
            "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricData"],
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": ENDPOINT_METRICS_NAMESPACE}},
        },
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def _require_approved(name: str, source: ModelSource | None, lookup: Callable[[str], str]) -> None:
    """Production serves only Approved packages: checked before anything is created."""
    if source is None:
        raise ValueError(
            f"ModelEndpoint {name}: model_extra: production serves only Approved model packages, given as "
            "model_source (whose approval is checked), not as model_extra.containers"
        )
    if isinstance(source, TrainingJob):
        raise ValueError(f"ModelEndpoint {name}: production serves only Approved model packages, not a TrainingJob")
    if isinstance(source, ModelPackage):
        status = source.declared_approval_status
    else:
        try:
            status = lookup(source)
        except Exception as error:
            # Raw, a botocore ClientError names neither this endpoint nor the argument to fix.
            raise ValueError(
                f"ModelEndpoint {name}: model_source: cannot read the approval status of {source!r} "
                f"({_lookup_failure(error)}); production serves only Approved model packages. Check the "
                "ARN (a package version: .../model-package/<group>/<version>), its region and account, and "
                "that these credentials may DescribeModelPackage there."
            ) from error
    if status != "Approved":
        shown = status or "an unversioned package, which has no approval"
        raise ValueError(f"ModelEndpoint {name}: production serves only Approved model packages; this one is {shown}")


def _lookup_failure(error: Exception) -> str:
    """What failed, in AWS's words where it answered (`ValidationException: ... does not exist`)."""
    response = getattr(error, "response", None)
    details = response.get("Error") if isinstance(response, dict) else None
    if isinstance(details, dict) and details.get("Code"):
        return f"DescribeModelPackage failed with {details['Code']}: {details.get('Message', '')}".rstrip(": ")
    return f"{type(error).__name__}: {error}"


__all__ = [
    "AsyncInference",
    "BlueGreen",
    "DataCapture",
    "Deployment",
    "InstanceVariant",
    "ManagedInstanceScaling",
    "ModelEndpoint",
    "RollingUpdate",
    "ServerlessVariant",
    "TrafficShift",
    "Variant",
]
