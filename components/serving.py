"""`ModelEndpoint`: a model, an immutable endpoint config and a safely deployed endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Literal, cast

import pulumi
import pulumi_aws as aws
from pydantic import Field, ValidationInfo, field_validator, model_validator

from components.configs import ConfigModel, Networking, StrInput, _api
from components.core.api_model import extra_members, xform_name
from components.core.naming import readable_prefix
from components.core.service_model import Violation, shape_named, validate, validate_request
from components.core.unknowns import contains_unknown
from components.model_registry import ModelPackage
from components.providers.endpoint import EndpointResource, deployment_violations
from components.roles import sagemaker_role
from components.training_job import TrainingJob

SERVERLESS_MEMORY = range(1024, 6145, 1024)


def _instance_type(value: str) -> str:
    """An instance type SageMaker hosting knows (the enum of botocore's model)."""
    for violation in validate(value, shape_named("ProductionVariantInstanceType"))[1]:
        raise ValueError(violation.reason)
    return value


class ManagedInstanceScaling(ConfigModel):
    """Let SageMaker scale a variant's instances between min and max."""

    min_instance_count: int = Field(ge=1)
    max_instance_count: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> ManagedInstanceScaling:
        if self.min_instance_count > self.max_instance_count:
            raise ValueError("min_instance_count must not exceed max_instance_count")
        return self

    def to_api(self) -> dict[str, Any]:
        return {
            "Status": "ENABLED",
            "MinInstanceCount": self.min_instance_count,
            "MaxInstanceCount": self.max_instance_count,
        }


class InstanceVariant(ConfigModel):
    """A production variant on instances."""

    name: str = "primary"
    instance_type: str
    initial_instance_count: int = Field(default=1, ge=1)
    initial_weight: float = Field(default=1.0, ge=0)
    volume_size_in_gb: int | None = Field(default=None, ge=1, le=512)
    managed_instance_scaling: ManagedInstanceScaling | None = None
    routing_strategy: Literal["LEAST_OUTSTANDING_REQUESTS", "RANDOM"] | None = None

    _check_type = field_validator("instance_type")(_instance_type)

    def to_api(self, model_name: Any = None) -> dict[str, Any]:
        return _api(
            VariantName=self.name,
            ModelName=model_name,
            InstanceType=self.instance_type,
            InitialInstanceCount=self.initial_instance_count,
            InitialVariantWeight=self.initial_weight,
            VolumeSizeInGB=self.volume_size_in_gb,
            ManagedInstanceScaling=self.managed_instance_scaling.to_api() if self.managed_instance_scaling else None,
            RoutingConfig={"RoutingStrategy": self.routing_strategy} if self.routing_strategy else None,
        )


class ServerlessVariant(ConfigModel):
    """A serverless production variant: memory in 1 GB steps, concurrency limits."""

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
            raise ValueError("provisioned_concurrency must not exceed max_concurrency")
        return self

    def to_api(self, model_name: Any = None) -> dict[str, Any]:
        serverless = _api(
            MemorySizeInMB=self.memory_size_in_mb,
            MaxConcurrency=self.max_concurrency,
            ProvisionedConcurrency=self.provisioned_concurrency,
        )
        return _api(
            VariantName=self.name,
            ModelName=model_name,
            InitialVariantWeight=self.initial_weight,
            ServerlessConfig=serverless,
        )


Variant = InstanceVariant | ServerlessVariant


class DataCapture(ConfigModel):
    """Capture a sample of requests and responses to S3."""

    destination_s3_uri: StrInput
    sampling_percentage: int = Field(default=100, ge=0, le=100)
    capture_modes: list[Literal["Input", "Output", "InputAndOutput"]] = Field(
        default_factory=lambda: ["Input", "Output"]
    )
    kms_key_id: StrInput | None = None

    def to_api(self) -> dict[str, Any]:
        return _api(
            EnableCapture=True,
            InitialSamplingPercentage=self.sampling_percentage,
            DestinationS3Uri=self.destination_s3_uri,
            KmsKeyId=self.kms_key_id,
            CaptureOptions=[{"CaptureMode": mode} for mode in self.capture_modes],
        )


class AsyncInference(ConfigModel):
    """Asynchronous inference: where results and failures go, and whom to notify."""

    s3_output_path: StrInput
    s3_failure_path: StrInput | None = None
    success_topic: StrInput | None = None
    error_topic: StrInput | None = None
    max_concurrent_invocations_per_instance: int | None = Field(default=None, ge=1, le=1000)
    kms_key_id: StrInput | None = None

    def to_api(self) -> dict[str, Any]:
        notification = _api(SuccessTopic=self.success_topic, ErrorTopic=self.error_topic)
        output = _api(
            S3OutputPath=self.s3_output_path,
            S3FailurePath=self.s3_failure_path,
            KmsKeyId=self.kms_key_id,
            NotificationConfig=notification or None,
        )
        client = _api(MaxConcurrentInvocationsPerInstance=self.max_concurrent_invocations_per_instance)
        return _api(OutputConfig=output, ClientConfig=client or None)


class TrafficShift(ConfigModel):
    """How blue/green moves traffic: all at once, a canary first, or in linear steps (% of capacity)."""

    type: Literal["ALL_AT_ONCE", "CANARY", "LINEAR"] = "ALL_AT_ONCE"
    wait_interval_in_seconds: int = Field(default=300, ge=0, le=3600)
    canary_percent: int | None = Field(default=None, ge=1, le=50)
    linear_step_percent: int | None = Field(default=None, ge=10, le=50)

    @model_validator(mode="after")
    def _size_for_type(self) -> TrafficShift:
        if self.type == "CANARY" and self.canary_percent is None:
            raise ValueError("a CANARY shift needs canary_percent")
        if self.type == "LINEAR" and self.linear_step_percent is None:
            raise ValueError("a LINEAR shift needs linear_step_percent")
        return self

    def to_api(self) -> dict[str, Any]:
        def size(percent: int | None) -> dict[str, Any] | None:
            return {"Type": "CAPACITY_PERCENT", "Value": percent} if percent is not None else None

        return _api(
            Type=self.type,
            WaitIntervalInSeconds=self.wait_interval_in_seconds,
            CanarySize=size(self.canary_percent) if self.type == "CANARY" else None,
            LinearStepSize=size(self.linear_step_percent) if self.type == "LINEAR" else None,
        )


class BlueGreen(ConfigModel):
    """Blue/green deployment with traffic shifting and auto-rollback alarms."""

    traffic: TrafficShift = Field(default_factory=TrafficShift)
    termination_wait_in_seconds: int | None = Field(default=None, ge=0, le=3600)
    maximum_execution_timeout_in_seconds: int | None = Field(default=None, ge=600, le=28800)
    rollback_alarms: list[str] = Field(default_factory=list, max_length=10)

    def to_api(self) -> dict[str, Any]:
        policy = _api(
            TrafficRoutingConfiguration=self.traffic.to_api(),
            TerminationWaitInSeconds=self.termination_wait_in_seconds,
            MaximumExecutionTimeoutInSeconds=self.maximum_execution_timeout_in_seconds,
        )
        return _api(BlueGreenUpdatePolicy=policy, AutoRollbackConfiguration=_alarms(self.rollback_alarms))


class RollingUpdate(ConfigModel):
    """Rolling deployment in batches (% of capacity), with auto-rollback alarms."""

    batch_percent: int = Field(default=25, ge=5, le=50)
    wait_interval_in_seconds: int = Field(default=300, ge=0, le=3600)
    maximum_execution_timeout_in_seconds: int | None = Field(default=None, ge=600, le=28800)
    rollback_alarms: list[str] = Field(default_factory=list, max_length=10)

    def to_api(self) -> dict[str, Any]:
        policy = _api(
            MaximumBatchSize={"Type": "CAPACITY_PERCENT", "Value": self.batch_percent},
            WaitIntervalInSeconds=self.wait_interval_in_seconds,
            MaximumExecutionTimeoutInSeconds=self.maximum_execution_timeout_in_seconds,
        )
        return _api(RollingUpdatePolicy=policy, AutoRollbackConfiguration=_alarms(self.rollback_alarms))


def _alarms(names: list[str]) -> dict[str, Any] | None:
    return {"Alarms": [{"AlarmName": name} for name in names]} if names else None


class ModelEndpointArgs(ConfigModel):
    """Everything ModelEndpoint validates before it registers a resource."""

    variants: list[Variant] = Field(min_length=1, max_length=10)
    shadow_variant: InstanceVariant | None = None
    deployment: BlueGreen | RollingUpdate | None = None
    data_capture: DataCapture | None = None
    async_inference: AsyncInference | None = None
    kms_key_id: StrInput | None = None
    networking: Networking | None = None

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
        """CreateEndpointConfig, without the name and tags."""
        return _api(
            ProductionVariants=[variant.to_api(model_name) for variant in self.variants],
            ShadowProductionVariants=[self.shadow_variant.to_api(model_name)] if self.shadow_variant else None,
            DataCaptureConfig=self.data_capture.to_api() if self.data_capture else None,
            AsyncInferenceConfig=self.async_inference.to_api() if self.async_inference else None,
            KmsKeyId=self.kms_key_id,
        )


PULUMI_NAMES = {"routing_config": "routing_configs", "kms_key_id": "kms_key_arn"}


def to_pulumi_args(api: Any, top: bool = True) -> Any:
    """An API dict as pulumi-aws arguments: snake_case keys (its own names where they differ)."""
    if isinstance(api, list):
        return [to_pulumi_args(item, top=False) for item in api]
    if not isinstance(api, dict):
        return api
    converted = {}
    for key, value in api.items():
        name = xform_name(key)
        if name == "routing_config" or (top and name == "kms_key_id"):
            name = PULUMI_NAMES[name]
        converted[name] = (
            [to_pulumi_args(value, top=False)] if name == "routing_configs" else to_pulumi_args(value, False)
        )
    return converted


class EndpointConfigError(ValueError):
    """The endpoint config the arguments describe breaks SageMaker's rules."""


def _raise_on(violations: list[Violation], what: str) -> None:
    if violations:
        raise EndpointConfigError(f"{what}: " + "; ".join(f"{v.path}: {v.reason}" for v in violations))


def describe_approval(package_arn: str) -> str:
    """The live ModelApprovalStatus of a package (used only for production stacks)."""
    import boto3  # noqa: PLC0415 - only production stacks that serve a package ARN pay for it

    return boto3.client("sagemaker").describe_model_package(ModelPackageName=package_arn)["ModelApprovalStatus"]


ModelSource = ModelPackage | TrainingJob | str


class ModelEndpoint(pulumi.ComponentResource):
    """A model, an auto-named immutable endpoint config, and an endpoint deployed with guardrails.

    `model_source` is a ModelPackage, a model package ARN, or a TrainingJob (with its image or
    `image_uri`). A new config is created before the endpoint moves to it, and the old config is
    deleted only after; a deployment SageMaker rolls back fails `pulumi up` with the reason. With
    `production=True`, a package that is not Approved is refused before anything is created.
    `config_extra` takes other CreateEndpointConfig members in snake_case (`explainer_config`,
    `metrics_config`...), validated with the config; pulumi-aws must support them too.
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
        *,
        model_source: ModelSource,
        variants: list[Variant],
        role_arn: StrInput | None = None,
        image_uri: StrInput | None = None,
        shadow_variant: InstanceVariant | None = None,
        deployment: BlueGreen | RollingUpdate | None = None,
        data_capture: DataCapture | None = None,
        async_inference: AsyncInference | None = None,
        kms_key_id: StrInput | None = None,
        networking: Networking | None = None,
        environment: Mapping[str, StrInput] | None = None,
        production: bool = False,
        retry_failed_config: bool = False,
        tags: dict[str, str] | None = None,
        approval_lookup: Callable[[str], str] = describe_approval,
        config_extra: dict[str, Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("sagemaker:serving:ModelEndpoint", name, None, opts)
        extra_config = extra_members("CreateEndpointConfig", config_extra, f"ModelEndpoint {name}")
        args = ModelEndpointArgs(
            variants=variants,
            shadow_variant=shadow_variant,
            deployment=deployment,
            data_capture=data_capture,
            async_inference=async_inference,
            kms_key_id=kms_key_id,
            networking=networking,
        )
        deployment_config = deployment.to_api() if deployment else None
        if deployment_config and not contains_unknown(deployment_config):
            _raise_on(deployment_violations(deployment_config), f"ModelEndpoint {name}: deployment")
        request = {**args.config_request("model-placeholder"), **extra_config}
        if not _has_outputs(request):
            _raise_on(
                validate_request("CreateEndpointConfig", {**request, "EndpointConfigName": "x"})[1],
                f"ModelEndpoint {name}: endpoint config",
            )
        if production:
            _require_approved(name, model_source, approval_lookup)

        child = pulumi.ResourceOptions(parent=self)
        container = self._container(name, model_source, image_uri, environment)
        # Without a role: least privilege for hosting (read artifacts, pull images, write logs).
        execution_role = (
            role_arn if role_arn is not None else sagemaker_role(name, json.dumps(HOSTING_POLICY), child).arn
        )
        network = args.networking.to_api() if args.networking else {}
        model = aws.sagemaker.Model(
            f"{name}-model",
            execution_role_arn=execution_role,
            primary_container=cast(aws.sagemaker.ModelPrimaryContainerArgsDict, container),
            vpc_config=to_pulumi_args(network.get("VpcConfig")) if network.get("VpcConfig") else None,
            enable_network_isolation=network.get("EnableNetworkIsolation"),
            tags=tags or None,
            opts=child,
        )
        config = aws.sagemaker.EndpointConfiguration(
            f"{name}-config",
            **to_pulumi_args({**args.config_request(model.name), **extra_config}),
            tags=tags or None,
            opts=child,
        )
        endpoint = EndpointResource(
            f"{name}-endpoint",
            {
                "endpoint_name": readable_prefix(name, 63),
                "endpoint_config_name": config.name,
                "deployment_config": deployment_config,
                "retry_failed_config": retry_failed_config,
                "tags": tags or {},
            },
            child,
        )
        self.endpoint_name = endpoint.endpoint_name
        self.endpoint_arn = endpoint.endpoint_arn
        self.endpoint_config_name = endpoint.endpoint_config_name
        self.status = endpoint.status
        self.model_name = model.name
        self.variants = endpoint.variants
        self.register_outputs(
            {
                "endpoint_name": self.endpoint_name,
                "endpoint_arn": self.endpoint_arn,
                "endpoint_config_name": self.endpoint_config_name,
                "model_name": self.model_name,
            }
        )

    @staticmethod
    def _container(
        name: str, source: ModelSource, image_uri: StrInput | None, environment: Mapping[str, StrInput] | None
    ) -> dict[str, Any]:
        if isinstance(source, ModelPackage | str):
            package_arn = source.arn if isinstance(source, ModelPackage) else source
            return _api(model_package_name=package_arn, environment=dict(environment or {}) or None)
        image = image_uri if image_uri is not None else source.image_uri
        return _api(image=image, model_data_url=source.model_artifacts, environment=dict(environment or {}) or None)


HOSTING_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ReadModelArtifacts", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::*/*"},
        {
            "Sid": "PullImages",
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": "*",
        },
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "cloudwatch:PutMetricData"],
            "Resource": "*",
        },
    ],
}


def _has_outputs(value: Any) -> bool:
    if isinstance(value, pulumi.Output):
        return True
    if isinstance(value, dict):
        return any(_has_outputs(item) for item in cast(dict[str, Any], value).values())
    if isinstance(value, list):
        return any(_has_outputs(item) for item in value)
    return False


def _require_approved(name: str, source: ModelSource, lookup: Callable[[str], str]) -> None:
    """Production serves only Approved packages: checked before anything is created."""
    if isinstance(source, TrainingJob):
        raise ValueError(f"ModelEndpoint {name}: production serves only Approved model packages, not a TrainingJob")
    status = source.declared_approval_status if isinstance(source, ModelPackage) else lookup(source)
    if status != "Approved":
        raise ValueError(f"ModelEndpoint {name}: production serves only Approved model packages; this one is {status}")


__all__ = [
    "AsyncInference",
    "BlueGreen",
    "DataCapture",
    "InstanceVariant",
    "ManagedInstanceScaling",
    "ModelEndpoint",
    "RollingUpdate",
    "ServerlessVariant",
    "TrafficShift",
]
