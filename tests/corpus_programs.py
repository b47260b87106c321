"""Each corpus spec as the program a user would write: our components' arguments, plus `extra=`.

One translation per operation. It uses the ergonomic arguments wherever they can say a member
exactly, and passes the rest through the component's escape hatch (`extra=`, `config_extra=`, `model_extra=`) in
the snake_case form users write (`from_api`). A member given in `extra` replaces the one the
arguments built, so where an argument model cannot say a whole member (a channel with a
`ShuffleConfig`, a variant without a model), the whole member goes to `extra`.

What a component cannot say at all, neither by argument nor by `extra`, raises `Inexpressible`
naming the members and why; the corpus test reports it as a skip with that reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard, cast

from components import (
    CheckpointConfig,
    Compute,
    Feature,
    FeatureGroup,
    FileSystemDataSource,
    InputData,
    InstanceGroup,
    MetricDefinition,
    ModelEndpoint,
    ModelMetadata,
    ModelPackage,
    ModelRegistry,
    Networking,
    OfflineStore,
    OnlineStore,
    OutputDataConfig,
    RetryStrategy,
    S3DataSource,
    StoppingCondition,
    Throughput,
    TrainingJob,
    Ttl,
)
from components.core.api_model import from_api
from components.core.naming import readable_prefix
from components.core.service_model import input_shape
from components.serving import (
    AsyncInference,
    BlueGreen,
    DataCapture,
    InstanceVariant,
    ManagedInstanceScaling,
    RollingUpdate,
    ServerlessVariant,
    TrafficShift,
)
from tests.corpus_pulumi import NATIVE, PULUMI_AWS_VERSION, pulumi_gaps

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
PACKAGE_ARN = "arn:aws:sagemaker:us-west-2:123456789012:model-package/corpus-models/1"
"""A model source for ModelEndpoint where the spec is about the config or the endpoint, not the model."""
PLACEHOLDER_INSTANCE = "ml.m5.large"


class Inexpressible(Exception):
    """The spec says something the component cannot say; the message names the members and why."""


@dataclass(frozen=True)
class Entry:
    """How one spec enters: the program, the resource whose inputs carry the request, and what
    must be true around it (outputs the mocks report, objects that must exist in AWS)."""

    program: Callable[[], object]
    resource_type: str
    """The registered resource whose inputs carry this spec's request."""
    mock_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Type token -> outputs the mocks report, e.g. the name of the model a config refers to."""
    prepare: Callable[[Any], None] | None = None
    """With a boto3 SageMaker client on the local AWS: what the create needs to exist first."""


def _snake(operation: str, members: dict[str, Any]) -> dict[str, Any] | None:
    """API members in the snake_case form `extra=` takes (None for no members)."""
    return cast(dict[str, Any], from_api(members, input_shape(operation))) if members else None


def _only(value: Any, *keys: str) -> TypeGuard[dict[str, Any]]:
    """Whether `value` is an API structure with no other members than `keys`."""
    return isinstance(value, dict) and set(cast(dict[str, Any], value)) <= set(keys)


def _fields(value: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """The members of `value` as keyword arguments (API member -> argument name), where present."""
    return {argument: value[member] for member, argument in names.items() if member in value}


def _tags(tags: list[dict[str, str]] | None) -> dict[str, str] | None:
    return {tag["Key"]: tag["Value"] for tag in tags} if tags else None


# --- CreateTrainingJob -> TrainingJob ------------------------------------------------------------

TRAINING = "pulumi-python:dynamic/sagemaker:TrainingJob"
COMPUTE = {
    "InstanceType": "instance_type",
    "InstanceCount": "instance_count",
    "VolumeSizeInGB": "volume_size_in_gb",
    "VolumeKmsKeyId": "volume_kms_key_id",
    "KeepAlivePeriodInSeconds": "keep_alive_period_in_seconds",
}
GROUP = {"InstanceGroupName": "instance_group_name", "InstanceType": "instance_type", "InstanceCount": "instance_count"}
OUTPUT = {"S3OutputPath": "s3_output_path", "KmsKeyId": "kms_key_id", "CompressionType": "compression_type"}
CHANNEL = {
    "ContentType": "content_type",
    "CompressionType": "compression_type",
    "InputMode": "input_mode",
    "RecordWrapperType": "record_wrapper_type",
}
S3_SOURCE = {
    "S3Uri": "s3_uri",
    "S3DataType": "s3_data_type",
    "S3DataDistributionType": "s3_data_distribution_type",
    "AttributeNames": "attribute_names",
    "InstanceGroupNames": "instance_group_names",
}
FILE_SYSTEM = {
    "FileSystemId": "file_system_id",
    "FileSystemAccessMode": "file_system_access_mode",
    "FileSystemType": "file_system_type",
    "DirectoryPath": "directory_path",
}
STOPPING = {
    "MaxRuntimeInSeconds": "max_runtime_in_seconds",
    "MaxWaitTimeInSeconds": "max_wait_time_in_seconds",
    "MaxPendingTimeInSeconds": "max_pending_time_in_seconds",
}


def _channel(channel: dict[str, Any]) -> InputData | None:
    """One channel as InputData, or None when InputData cannot say all of it."""
    if not _only(channel, "ChannelName", "DataSource", *CHANNEL):
        return None
    source = channel["DataSource"]
    data: S3DataSource | FileSystemDataSource
    if _only(source, "S3DataSource") and _only(source["S3DataSource"], *S3_SOURCE):
        data = S3DataSource(**_fields(source["S3DataSource"], S3_SOURCE))
    elif _only(source, "FileSystemDataSource") and set(source["FileSystemDataSource"]) == set(FILE_SYSTEM):
        data = FileSystemDataSource(**_fields(source["FileSystemDataSource"], FILE_SYSTEM))
    else:
        return None
    return InputData(channel_name=channel["ChannelName"], data_source=data, **_fields(channel, CHANNEL))


def training_job(request: dict[str, Any]) -> Entry:
    rest = dict(request)
    name = rest.pop("TrainingJobName")  # the provider names the job by its content
    tags = _tags(rest.pop("Tags", None))
    extra: dict[str, Any] = {}
    arguments: dict[str, Any] = {"role_arn": rest.pop("RoleArn")}

    algorithm = rest.pop("AlgorithmSpecification")
    arguments.update(image_uri=algorithm.get("TrainingImage"), algorithm_name=algorithm.get("AlgorithmName"))
    if _only(algorithm, "TrainingImage", "AlgorithmName", "TrainingInputMode", "MetricDefinitions"):
        arguments["training_input_mode"] = algorithm["TrainingInputMode"]
        arguments["metric_definitions"] = [
            MetricDefinition(name=metric["Name"], regex=metric["Regex"])
            for metric in algorithm.get("MetricDefinitions", [])
        ]
    else:  # entrypoint, image config...: the whole member in extra
        extra["AlgorithmSpecification"] = algorithm

    resources = rest.pop("ResourceConfig")
    spot = (
        {"enable_managed_spot_training": rest.pop("EnableManagedSpotTraining")}
        if "EnableManagedSpotTraining" in rest
        else {}
    )
    groups = resources.get("InstanceGroups")
    if _only(resources, *COMPUTE, "InstanceGroups") and all(_only(group, *GROUP) for group in groups or []):
        instance_groups = [InstanceGroup(**_fields(group, GROUP)) for group in groups] if groups else None
        arguments["compute"] = Compute(**_fields(resources, COMPUTE), instance_groups=instance_groups, **spot)
    else:
        extra["ResourceConfig"] = resources
        arguments["compute"] = Compute(instance_type=resources.get("InstanceType", PLACEHOLDER_INSTANCE), **spot)

    output = rest.pop("OutputDataConfig")
    if _only(output, *OUTPUT):
        arguments["output_data_config"] = OutputDataConfig(**_fields(output, OUTPUT))
    else:
        extra["OutputDataConfig"] = output
        arguments["output_data_config"] = OutputDataConfig(s3_output_path=output["S3OutputPath"])

    if "InputDataConfig" in rest:
        channels = [_channel(channel) for channel in rest["InputDataConfig"]]
        if all(channel is not None for channel in channels):
            arguments["input_data"] = channels
            del rest["InputDataConfig"]
    if _only(rest.get("StoppingCondition"), *STOPPING):
        arguments["stopping_condition"] = StoppingCondition(**_fields(rest.pop("StoppingCondition"), STOPPING))
    for member, argument in (("HyperParameters", "hyperparameters"), ("Environment", "environment")):
        if member in rest:
            arguments[argument] = rest.pop(member)

    network = {
        member: rest[member]
        for member in ("VpcConfig", "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption")
        if member in rest
    }
    vpc = network.get("VpcConfig")
    if network and (vpc is None or _only(vpc, "SecurityGroupIds", "Subnets")):
        for member in network:
            del rest[member]
        arguments["networking"] = Networking(
            security_group_ids=vpc["SecurityGroupIds"] if vpc else None,
            subnets=vpc["Subnets"] if vpc else None,
            enable_network_isolation=network.get("EnableNetworkIsolation", False),
            enable_inter_container_traffic_encryption=network.get("EnableInterContainerTrafficEncryption", False),
        )
    if _only(rest.get("CheckpointConfig"), "S3Uri", "LocalPath"):
        checkpoint = rest.pop("CheckpointConfig")
        arguments["checkpoint_config"] = CheckpointConfig(
            s3_uri=checkpoint["S3Uri"], local_path=checkpoint.get("LocalPath")
        )
    if _only(rest.get("RetryStrategy"), "MaximumRetryAttempts"):
        arguments["retry_strategy"] = RetryStrategy(
            maximum_retry_attempts=rest.pop("RetryStrategy")["MaximumRetryAttempts"]
        )

    extra_fields = _snake("CreateTrainingJob", {**extra, **rest})  # debugger, profiler, experiment...
    return Entry(lambda: TrainingJob(name, **arguments, tags=tags, extra=extra_fields), TRAINING)


# --- CreateFeatureGroup -> FeatureGroup ---------------------------------------------------------

FEATURE_GROUP = "pulumi-python:dynamic/sagemaker:FeatureGroup"
ONLINE = {"EnableOnlineStore": "enabled", "StorageType": "storage_type"}
OFFLINE = {"TableFormat": "table_format", "DisableGlueTableCreation": "disable_glue_table_creation"}
THROUGHPUT = {
    "ThroughputMode": "mode",
    "ProvisionedReadCapacityUnits": "read_units",
    "ProvisionedWriteCapacityUnits": "write_units",
}


def _feature(definition: dict[str, Any]) -> Feature:
    config = definition.get("CollectionConfig")
    if not _only(definition, "FeatureName", "FeatureType", "CollectionType", "CollectionConfig") or not (
        config is None or (_only(config, "VectorConfig") and _only(config["VectorConfig"], "Dimension"))
    ):
        raise Inexpressible(f"Feature cannot say FeatureDefinitions entry {definition} (and extra may not set it)")
    return Feature(
        name=definition["FeatureName"],
        type=definition["FeatureType"],
        collection_type=definition.get("CollectionType"),
        vector_dimension=config["VectorConfig"]["Dimension"] if config else None,
    )


def _online(config: dict[str, Any]) -> OnlineStore:
    security, ttl = config.get("SecurityConfig"), config.get("TtlDuration")
    if not _only(config, *ONLINE, "SecurityConfig", "TtlDuration") or not (
        security is None or _only(security, "KmsKeyId")
    ):
        raise Inexpressible(f"OnlineStore cannot say OnlineStoreConfig {config} (and extra may not set it)")
    return OnlineStore(
        **_fields(config, ONLINE),
        ttl=Ttl(unit=ttl["Unit"], value=ttl["Value"]) if ttl else None,
        kms_key_id=security["KmsKeyId"] if security else None,
    )


def _offline(config: dict[str, Any]) -> OfflineStore:
    storage = config.get("S3StorageConfig") or {}
    if not _only(config, *OFFLINE, "S3StorageConfig") or not _only(storage, "S3Uri", "KmsKeyId"):
        raise Inexpressible(f"OfflineStore cannot say OfflineStoreConfig {config} (and extra may not set it)")
    return OfflineStore(s3_uri=storage["S3Uri"], kms_key_id=storage.get("KmsKeyId"), **_fields(config, OFFLINE))


def feature_group(request: dict[str, Any]) -> Entry:
    rest = dict(request)
    name = rest.pop("FeatureGroupName")
    throughput = rest.pop("ThroughputConfig", None)
    if throughput is not None and not _only(throughput, *THROUGHPUT):
        raise Inexpressible(f"Throughput cannot say ThroughputConfig {throughput} (and extra may not set it)")
    arguments: dict[str, Any] = {
        "feature_group_name": name,
        "record_identifier": rest.pop("RecordIdentifierFeatureName"),
        "event_time": rest.pop("EventTimeFeatureName"),
        "features": [_feature(definition) for definition in rest.pop("FeatureDefinitions")],
        "online_store": _online(rest.pop("OnlineStoreConfig")) if "OnlineStoreConfig" in rest else None,
        "offline_store": _offline(rest.pop("OfflineStoreConfig")) if "OfflineStoreConfig" in rest else None,
        "throughput": Throughput(**_fields(throughput, THROUGHPUT)) if throughput else None,
        "role_arn": rest.pop("RoleArn", None),
        "description": rest.pop("Description", None),
        "tags": _tags(rest.pop("Tags", None)),
    }
    extra = _snake("CreateFeatureGroup", rest)
    return Entry(lambda: FeatureGroup(readable_prefix(name), **arguments, extra=extra), FEATURE_GROUP)


# --- CreateModelPackage -> ModelPackage (+ ModelRegistry) ---------------------------------------

MODEL_PACKAGE = "pulumi-python:dynamic/sagemaker:ModelPackage"
INFERENCE = {
    "SupportedContentTypes": "supported_content_types",
    "SupportedResponseMIMETypes": "supported_response_mime_types",
    "SupportedRealtimeInferenceInstanceTypes": "supported_realtime_inference_instance_types",
    "SupportedTransformInstanceTypes": "supported_transform_instance_types",
}
METADATA = {
    "CommitId": "commit_id",
    "Repository": "repository",
    "GeneratedBy": "generated_by",
    "ProjectId": "project_id",
}
PACKAGE = {
    "ModelPackageDescription": "description",
    "Domain": "domain",
    "Task": "task",
    "SamplePayloadUrl": "sample_payload_url",
    "CustomerMetadataProperties": "customer_metadata",
    "ModelApprovalStatus": "approval_status",
}


def _inference_arguments(spec: dict[str, Any]) -> dict[str, Any] | None:
    """The container and content types as ModelPackage arguments, or None when they cannot say
    the whole InferenceSpecification (one container of image, artifacts and environment; the
    content-type lists non-empty, since the component replaces an empty one by its default)."""
    containers = spec.get("Containers") or []
    if not (
        _only(spec, "Containers", *INFERENCE)
        and len(containers) == 1
        and _only(containers[0], "Image", "ModelDataUrl", "Environment")
        and all(spec.get(member) for member in INFERENCE if member in spec)
        and "SupportedContentTypes" in spec
        and "SupportedResponseMIMETypes" in spec
    ):
        return None
    container = containers[0]
    return {
        "image_uri": container["Image"],
        "model_data_url": container.get("ModelDataUrl"),
        "environment": container.get("Environment"),
        **_fields(spec, INFERENCE),
    }


def model_package(request: dict[str, Any]) -> Entry:
    rest = dict(request)
    group = rest.pop("ModelPackageGroupName", None)
    package_name = rest.pop("ModelPackageName", None)  # an unversioned package: package_name=
    if "AdditionalInferenceSpecifications" in rest:
        raise Inexpressible(
            "ModelPackage has no argument for AdditionalInferenceSpecifications, and extra may not set it"
        )
    if group is not None and "Tags" in rest:
        raise Inexpressible("SageMaker refuses Tags on a version in a group (ModelPackage's tags= is for unversioned)")
    tags = _tags(rest.pop("Tags", None))
    extra: dict[str, Any] = {}
    arguments: dict[str, Any] | None = {}
    if "InferenceSpecification" in rest:
        inference = rest.pop("InferenceSpecification")
        arguments = _inference_arguments(inference)
        if arguments is None:  # framework, model input...: the whole member in extra
            extra["InferenceSpecification"] = inference
            arguments = {"image_uri": (inference.get("Containers") or [{}])[0].get("Image", "placeholder:1")}
    elif "SourceAlgorithmSpecification" not in rest:
        raise Inexpressible("ModelPackage needs an InferenceSpecification or a SourceAlgorithmSpecification")
    arguments.update(_fields(rest, PACKAGE))
    for member in PACKAGE:
        rest.pop(member, None)
    if _only(rest.get("MetadataProperties"), *METADATA):
        arguments["metadata"] = ModelMetadata(**_fields(rest.pop("MetadataProperties"), METADATA))
    if rest.get("SkipModelValidation") == "All":
        arguments["skip_model_validation"] = bool(rest.pop("SkipModelValidation"))
    extra.update(rest)  # validation specification, drift baselines, model card, metrics...
    extra_fields = _snake("CreateModelPackage", extra)
    if group is None:
        return Entry(
            lambda: ModelPackage(package_name, package_name=package_name, **arguments, tags=tags, extra=extra_fields),
            MODEL_PACKAGE,
        )
    group_name = group.rsplit("/", 1)[-1]

    def program() -> object:
        if group.startswith("arn:"):  # a registry in another stack or account: by ARN
            return ModelPackage(group_name, group_name=group, **arguments, extra=extra_fields)
        registry = ModelRegistry(f"{group_name}-registry", group_name=group)
        return ModelPackage(group_name, registry=registry, **arguments, extra=extra_fields)

    return Entry(
        program,
        MODEL_PACKAGE,
        prepare=lambda sagemaker: sagemaker.create_model_package_group(ModelPackageGroupName=group_name),
    )


# --- CreateModelPackageGroup -> ModelRegistry ---------------------------------------------------


def model_package_group(request: dict[str, Any]) -> Entry:
    rest = dict(request)
    name = rest.pop("ModelPackageGroupName")
    arguments = {"description": rest.pop("ModelPackageGroupDescription", None), "tags": _tags(rest.pop("Tags", None))}
    if rest:
        raise Inexpressible(f"ModelRegistry has no argument for {sorted(rest)}")
    return Entry(
        lambda: ModelRegistry(name, group_name=name, **arguments), NATIVE["CreateModelPackageGroup"].type_token
    )


# --- CreateModel, CreateEndpointConfig, CreateEndpoint -> ModelEndpoint -------------------------

MODEL_TYPE = NATIVE["CreateModel"].type_token
CONFIG_TYPE = NATIVE["CreateEndpointConfig"].type_token
ENDPOINT = "pulumi-python:dynamic/sagemaker:Endpoint"
INSTANCE_VARIANT = {
    "VariantName": "name",
    "InstanceType": "instance_type",
    "InitialInstanceCount": "initial_instance_count",
    "InitialVariantWeight": "initial_weight",
    "VolumeSizeInGB": "volume_size_in_gb",
}
SERVERLESS = {
    "MemorySizeInMB": "memory_size_in_mb",
    "MaxConcurrency": "max_concurrency",
    "ProvisionedConcurrency": "provisioned_concurrency",
}


def _pulumi_aws_can_send(operation: str, request: dict[str, Any]) -> None:
    gaps = pulumi_gaps(NATIVE[operation], request)
    if gaps:
        raise Inexpressible(
            f"pulumi-aws {PULUMI_AWS_VERSION} has no input for {', '.join(gaps)}, so no program can send it "
            f"through {NATIVE[operation].type_token.rsplit(':', 1)[-1]}"
        )


def _variant(variant: dict[str, Any], model: str | None) -> InstanceVariant | ServerlessVariant | None:
    """One production variant as our argument model, or None when the model cannot say it all
    (or it serves another model than the endpoint's one)."""
    if variant.get("ModelName") != model or model is None:
        return None
    scaling, routing = variant.get("ManagedInstanceScaling"), variant.get("RoutingConfig")
    if "ServerlessConfig" in variant:
        serverless = variant["ServerlessConfig"]
        if not (
            _only(variant, "VariantName", "ModelName", "InitialVariantWeight", "ServerlessConfig")
            and _only(serverless, *SERVERLESS)
        ):
            return None
        return ServerlessVariant(
            name=variant["VariantName"],
            **_fields(serverless, SERVERLESS),
            **_fields(variant, {"InitialVariantWeight": "initial_weight"}),
        )
    if not (
        _only(variant, *INSTANCE_VARIANT, "ModelName", "ManagedInstanceScaling", "RoutingConfig")
        and "InstanceType" in variant
        and (
            scaling is None
            or (_only(scaling, "Status", "MinInstanceCount", "MaxInstanceCount") and scaling.get("Status") == "ENABLED")
        )
        and (routing is None or _only(routing, "RoutingStrategy"))
    ):
        return None
    return InstanceVariant(
        **_fields(variant, INSTANCE_VARIANT),
        managed_instance_scaling=ManagedInstanceScaling(
            min_instance_count=scaling["MinInstanceCount"], max_instance_count=scaling["MaxInstanceCount"]
        )
        if scaling
        else None,
        routing_strategy=routing["RoutingStrategy"] if routing else None,
    )


def endpoint_config(request: dict[str, Any]) -> Entry:
    _pulumi_aws_can_send("CreateEndpointConfig", request)
    rest = dict(request)
    rest.pop("EndpointConfigName")  # pulumi-aws names the config (ModelEndpoint gives it no name)
    tags = _tags(rest.pop("Tags", None))
    production = rest.pop("ProductionVariants")
    model = production[0].get("ModelName")
    extra: dict[str, Any] = {}
    arguments: dict[str, Any] = {}
    variants = [_variant(variant, model) for variant in production]
    if all(variant is not None for variant in variants):
        arguments["variants"] = variants
    else:  # a variant without a model (inference components), instance pools...: in config_extra
        extra["ProductionVariants"] = production
        arguments["variants"] = [InstanceVariant(instance_type=PLACEHOLDER_INSTANCE)]
    if "ShadowProductionVariants" in rest:
        [shadow] = rest["ShadowProductionVariants"]
        shadow_variant = _variant(shadow, model)
        if isinstance(shadow_variant, InstanceVariant):
            arguments["shadow_variant"] = shadow_variant
            del rest["ShadowProductionVariants"]
    capture = rest.get("DataCaptureConfig")
    if (
        _only(capture, "EnableCapture", "InitialSamplingPercentage", "DestinationS3Uri", "KmsKeyId", "CaptureOptions")
        and capture.get("EnableCapture") is True
    ):
        del rest["DataCaptureConfig"]
        arguments["data_capture"] = DataCapture(
            destination_s3_uri=capture["DestinationS3Uri"],
            sampling_percentage=capture["InitialSamplingPercentage"],
            capture_modes=[option["CaptureMode"] for option in capture["CaptureOptions"]],
            kms_key_id=capture.get("KmsKeyId"),
        )
    asynchronous = rest.get("AsyncInferenceConfig")
    output = (asynchronous or {}).get("OutputConfig") or {}
    client = (asynchronous or {}).get("ClientConfig") or {}
    notification = output.get("NotificationConfig") or {}
    if (
        _only(asynchronous, "OutputConfig", "ClientConfig")
        and _only(output, "S3OutputPath", "S3FailurePath", "KmsKeyId", "NotificationConfig")
        and _only(client, "MaxConcurrentInvocationsPerInstance")
        and _only(notification, "SuccessTopic", "ErrorTopic")
    ):
        del rest["AsyncInferenceConfig"]
        arguments["async_inference"] = AsyncInference(
            s3_output_path=output["S3OutputPath"],
            s3_failure_path=output.get("S3FailurePath"),
            success_topic=notification.get("SuccessTopic"),
            error_topic=notification.get("ErrorTopic"),
            max_concurrent_invocations_per_instance=client.get("MaxConcurrentInvocationsPerInstance"),
            kms_key_id=output.get("KmsKeyId"),
        )
    if "KmsKeyId" in rest:
        arguments["kms_key_id"] = rest.pop("KmsKeyId")
    config_extra = _snake("CreateEndpointConfig", {**extra, **rest})  # capture headers, role, timeouts...

    def program() -> object:
        return ModelEndpoint(
            "corpus-endpoint",
            model_source=PACKAGE_ARN,
            role_arn=ROLE,
            tags=tags,
            config_extra=config_extra,
            **arguments,
        )

    return Entry(program, CONFIG_TYPE, mock_outputs={MODEL_TYPE: {"name": model}} if model else {})


ARGUMENT_CONTAINER = {"Image", "ModelDataUrl", "Environment", "ModelPackageName"}
"""What ModelEndpoint's arguments build of a primary container: the rest goes to model_extra."""


def model(request: dict[str, Any]) -> Entry:
    """ModelEndpoint's model: a primary container from a TrainingJob (image and artifacts) or a
    model package, with an environment, plus `model_extra` for its other members (hostname,
    mode...); or, for `Containers`, those containers in `model_extra` in place of it. The VPC and
    isolation are `networking`'s."""
    _pulumi_aws_can_send("CreateModel", request)
    rest = dict(request)
    rest.pop("ModelName")  # named by pulumi-aws
    role, tags = rest.pop("ExecutionRoleArn"), _tags(rest.pop("Tags", None))
    vpc = rest.get("VpcConfig")
    networking: Networking | None = None
    if (vpc is None or _only(vpc, "SecurityGroupIds", "Subnets")) and (vpc or "EnableNetworkIsolation" in rest):
        rest.pop("VpcConfig", None)
        networking = Networking(
            security_group_ids=vpc["SecurityGroupIds"] if vpc else None,
            subnets=vpc["Subnets"] if vpc else None,
            enable_network_isolation=rest.pop("EnableNetworkIsolation", False),
        )
    common: dict[str, Any] = {
        "role_arn": role,
        "variants": [InstanceVariant(instance_type=PLACEHOLDER_INSTANCE)],
        "networking": networking,
        "tags": tags,
    }
    container = rest.pop("PrimaryContainer", None)
    if container is None:  # Containers (and how they run): model_extra, in place of a primary container
        extra = _snake("CreateModel", rest)
        return Entry(lambda: ModelEndpoint("corpus-endpoint", **common, model_extra=extra), MODEL_TYPE)
    if "ModelPackageName" in container and ("Image" in container or "ModelDataUrl" in container):
        raise Inexpressible("ModelEndpoint's model_source is a package or a TrainingJob's image, not both")
    if "ModelPackageName" not in container and "Image" not in container:
        raise Inexpressible(f"ModelEndpoint's primary container has an image or a package; this one has {container}")
    added = {member: value for member, value in container.items() if member not in ARGUMENT_CONTAINER}
    extra = _snake("CreateModel", {**rest, "PrimaryContainer": added} if added else rest)
    common.update(environment=container.get("Environment"), model_extra=extra)
    mock_outputs: dict[str, dict[str, Any]] = {}

    def program() -> object:
        if "ModelPackageName" in container:
            return ModelEndpoint("corpus-endpoint", model_source=container["ModelPackageName"], **common)
        source = TrainingJob(
            "corpus-source",
            image_uri=container["Image"],
            role_arn=ROLE,
            compute=Compute(instance_type=PLACEHOLDER_INSTANCE),
            output_data_config=OutputDataConfig(s3_output_path="s3://corpus-data-bucket/output"),
        )
        return ModelEndpoint("corpus-endpoint", model_source=source, image_uri=container["Image"], **common)

    if "Image" in container:  # the TrainingJob's artifacts, as the provider reports them
        mock_outputs[TRAINING] = {"model_artifacts": container.get("ModelDataUrl")}
    return Entry(program, MODEL_TYPE, mock_outputs=mock_outputs)


def _percent(size: dict[str, Any], where: str) -> int:
    if size.get("Type") != "CAPACITY_PERCENT":
        raise Inexpressible(
            f"RollingUpdate's batch sizes are percentages of capacity (CAPACITY_PERCENT); {where} is "
            f"{size.get('Type')} {size.get('Value')}"
        )
    return int(size["Value"])


SIZE_FIELDS = {"CAPACITY_PERCENT": "percent", "INSTANCE_COUNT": "instances"}
"""A traffic size's type -> the suffix of TrafficShift's field for it (`canary_percent`, `canary_instances`)."""


def _sizes(routing: dict[str, Any]) -> dict[str, int]:
    """TrafficShift's size fields for a TrafficRoutingConfiguration (in % of capacity or in instances)."""
    sizes: dict[str, int] = {}
    for member, prefix in (("CanarySize", "canary"), ("LinearStepSize", "linear_step")):
        if member in routing:
            sizes[f"{prefix}_{SIZE_FIELDS[routing[member]['Type']]}"] = routing[member]["Value"]
    return sizes


def _deployment(config: dict[str, Any]) -> BlueGreen | RollingUpdate:
    alarms = [alarm["AlarmName"] for alarm in (config.get("AutoRollbackConfiguration") or {}).get("Alarms", [])]
    if "BlueGreenUpdatePolicy" in config:
        policy = config["BlueGreenUpdatePolicy"]
        routing = policy["TrafficRoutingConfiguration"]
        traffic = TrafficShift(
            type=routing["Type"], wait_interval_in_seconds=routing["WaitIntervalInSeconds"], **_sizes(routing)
        )
        return BlueGreen(
            traffic=traffic,
            termination_wait_in_seconds=policy.get("TerminationWaitInSeconds"),
            maximum_execution_timeout_in_seconds=policy.get("MaximumExecutionTimeoutInSeconds"),
            rollback_alarms=alarms,
        )
    policy = config["RollingUpdatePolicy"]
    if "RollbackMaximumBatchSize" in policy:
        raise Inexpressible("RollingUpdate has no argument for RollingUpdatePolicy.RollbackMaximumBatchSize")
    return RollingUpdate(
        batch_percent=_percent(policy["MaximumBatchSize"], "DeploymentConfig.RollingUpdatePolicy.MaximumBatchSize"),
        wait_interval_in_seconds=policy["WaitIntervalInSeconds"],
        maximum_execution_timeout_in_seconds=policy.get("MaximumExecutionTimeoutInSeconds"),
        rollback_alarms=alarms,
    )


def endpoint(request: dict[str, Any]) -> Entry:
    """ModelEndpoint's Endpoint: named after the component, serving the config pulumi-aws names."""
    rest = dict(request)
    name, config_name = rest.pop("EndpointName"), rest.pop("EndpointConfigName")
    if readable_prefix(name, 63) != name:
        raise Inexpressible(f"ModelEndpoint names its endpoint readable_prefix(name); no name gives {name!r}")
    tags = _tags(rest.pop("Tags", None))
    deployment = _deployment(rest.pop("DeploymentConfig")) if "DeploymentConfig" in rest else None
    if rest:
        raise Inexpressible(f"ModelEndpoint has no argument for CreateEndpoint's {sorted(rest)}")

    def program() -> object:
        return ModelEndpoint(
            name,
            model_source=PACKAGE_ARN,
            role_arn=ROLE,
            variants=[InstanceVariant(instance_type=PLACEHOLDER_INSTANCE)],
            deployment=deployment,
            tags=tags,
        )

    def prepare(sagemaker: Any) -> None:  # the config the endpoint serves must exist
        sagemaker.create_model(ModelName="corpus-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "image:1"})
        sagemaker.create_endpoint_config(
            EndpointConfigName=config_name,
            ProductionVariants=[
                {
                    "VariantName": "primary",
                    "ModelName": "corpus-model",
                    "InstanceType": PLACEHOLDER_INSTANCE,
                    "InitialInstanceCount": 1,
                }
            ],
        )

    return Entry(program, ENDPOINT, mock_outputs={CONFIG_TYPE: {"name": config_name}}, prepare=prepare)


TRANSLATIONS: dict[str, Callable[[dict[str, Any]], Entry]] = {
    "CreateTrainingJob": training_job,
    "CreateFeatureGroup": feature_group,
    "CreateModelPackage": model_package,
    "CreateModelPackageGroup": model_package_group,
    "CreateModel": model,
    "CreateEndpointConfig": endpoint_config,
    "CreateEndpoint": endpoint,
}
