"""Every argument model translates to a real SageMaker shape, by rule or by declared exception.

The models are found by walking `ConfigModel`'s subclasses after importing every module of
`components`, so a new model is checked without being listed here:
- each field is, by botocore's own snake_case, a member of the model's declared `api_shape`; or
  its `api_names` path walks real members; or it is declared in `api_overrides`. A nested
  model must fit the member it is placed in. This walks botocore's model itself, not the code
  that translates, so a misspelt field fails here (and names itself).
- a fully populated example of each model (EXAMPLES; a new model fails until it has one) gives a
  `to_api()` that botocore's shape accepts (`service_model.validate`: names, types, enums,
  patterns, sizes), and together the examples set every translated field.
- the pulumi-aws arguments the endpoint's resources get are names pulumi-aws's own input types
  declare, so `to_pulumi_args`'s exception table is checked too.
- each component takes its Args model or the same keywords (never both), and registers exactly
  the outputs it declares.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import typing
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

import pulumi
import pulumi_aws as aws
import pytest
from botocore import xform_name
from botocore.model import ListShape, Shape, StructureShape
from pulumi.runtime.mocks import MockResourceArgs
from pulumi_aws.sagemaker import _inputs as pulumi_inputs

import components
from components import (
    AsyncInference,
    BlueGreen,
    CheckpointConfig,
    Compute,
    DataCapture,
    DataCatalog,
    Feature,
    FeatureGroup,
    FeatureGroupArgs,
    FileSystemDataSource,
    InputData,
    InstanceGroup,
    InstanceVariant,
    ManagedInstanceScaling,
    MetricDefinition,
    ModelEndpoint,
    ModelEndpointArgs,
    ModelMetadata,
    ModelMetrics,
    ModelPackage,
    ModelPackageArgs,
    ModelRegistry,
    ModelRegistryArgs,
    Networking,
    OfflineStore,
    OnlineStore,
    OutputDataConfig,
    RetryStrategy,
    RollingUpdate,
    S3DataSource,
    ServerlessVariant,
    StoppingCondition,
    Throughput,
    TrafficShift,
    TrainingJob,
    TrainingJobArgs,
    Ttl,
)
from components.configs import ComponentArgs, ConfigModel, by_distinct_fields, declared_outputs, field_path
from components.core.api_model import snake_path, to_pulumi_args
from components.core.service_model import input_shape, shape_named, validate
from components.serving import ENDPOINT_CONFIGURATION_NAMES, MODEL_NETWORK_MEMBERS
from sagestack.testing.mocks import PlatformMocks, run_program

IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/xgboost:1.7-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PACKAGE = "arn:aws:sagemaker:us-west-2:111111111111:model-package/churn/3"
TOPIC = "arn:aws:sns:us-west-2:123456789012:endpoint-events"


def _all_models() -> list[type[ConfigModel]]:
    for module in pkgutil.walk_packages(components.__path__, "components."):
        importlib.import_module(module.name)
    found: list[type[ConfigModel]] = []
    pending = list(ConfigModel.__subclasses__())
    while pending:
        model = pending.pop()
        if model not in found and model is not ComponentArgs:
            found.append(model)
        pending += model.__subclasses__()
    return sorted(found, key=lambda model: model.__name__)


MODELS = _all_models()
TRANSLATED = [model for model in MODELS if model.api_shape is not None]


ModelT = TypeVar("ModelT", bound=ConfigModel)


def _examples(kind: type[ModelT]) -> list[ModelT]:
    built = EXAMPLES[kind]()
    assert all(isinstance(example, kind) for example in built)
    return cast(list[ModelT], list(built))


EXAMPLES: dict[type[ConfigModel], Callable[[], Sequence[ConfigModel]]] = {
    InstanceGroup: lambda: [InstanceGroup(instance_group_name="gpu", instance_type="ml.g5.xlarge", instance_count=2)],
    Compute: lambda: [
        Compute(
            instance_type="ml.m5.xlarge",
            instance_count=2,
            volume_size_in_gb=50,
            volume_kms_key_id=KEY,
            keep_alive_period_in_seconds=600,
        ),
        Compute(instance_groups=_examples(InstanceGroup)),
    ],
    S3DataSource: lambda: [
        S3DataSource(
            s3_uri="s3://data/train",
            s3_data_type="S3Prefix",
            s3_data_distribution_type="ShardedByS3Key",
            attribute_names=["source", "label"],
            instance_group_names=["gpu"],
        )
    ],
    FileSystemDataSource: lambda: [
        FileSystemDataSource(
            file_system_id="fs-0123456789abcdef0",
            file_system_access_mode="ro",
            file_system_type="EFS",
            directory_path="/train",
        )
    ],
    InputData: lambda: [
        InputData(
            channel_name="train",
            data_source=S3DataSource(s3_uri="s3://data/train"),
            content_type="text/csv",
            compression_type="Gzip",
            input_mode="File",
            record_wrapper_type="RecordIO",
        ),
        InputData(channel_name="efs", data_source=_examples(FileSystemDataSource)[0]),
        InputData(channel_name="uri", data_source="s3://data/validation"),
    ],
    OutputDataConfig: lambda: [
        OutputDataConfig(s3_output_path="s3://data/out", kms_key_id=KEY, compression_type="GZIP")
    ],
    StoppingCondition: lambda: [
        StoppingCondition(max_runtime_in_seconds=3600, max_wait_time_in_seconds=7200, max_pending_time_in_seconds=7200)
    ],
    Networking: lambda: [
        Networking(
            security_group_ids=["sg-0123456789abcdef0"],
            subnets=["subnet-0a1b2c3d4e5f67890"],
            enable_network_isolation=True,
            enable_inter_container_traffic_encryption=True,
        )
    ],
    CheckpointConfig: lambda: [CheckpointConfig(s3_uri="s3://data/checkpoints", local_path="/opt/ml/checkpoints")],
    RetryStrategy: lambda: [RetryStrategy(maximum_retry_attempts=3)],
    MetricDefinition: lambda: [MetricDefinition(name="validation:auc", regex="auc:([0-9.]+)")],
    TrainingJobArgs: lambda: [
        TrainingJobArgs(
            image_uri=IMAGE,
            role_arn=ROLE,
            compute=Compute(instance_type="ml.m5.xlarge", enable_managed_spot_training=True),
            output_data_config=OutputDataConfig(s3_output_path="s3://data/out"),
            input_data=_examples(InputData),
            stopping_condition=_examples(StoppingCondition)[0],
            hyperparameters={"max_depth": "5"},
            environment={"LOG_LEVEL": "info"},
            networking=_examples(Networking)[0],
            checkpoint_config=_examples(CheckpointConfig)[0],
            retry_strategy=_examples(RetryStrategy)[0],
            metric_definitions=_examples(MetricDefinition),
            training_input_mode="FastFile",
            kms_key_id=KEY,
        ),
        TrainingJobArgs(
            algorithm_name="xgboost",
            role_arn=ROLE,
            compute=_examples(Compute)[1],
            output_data_config=OutputDataConfig(s3_output_path="s3://data/out"),
        ),
    ],
    ModelRegistryArgs: lambda: [ModelRegistryArgs(group_name="churn", description="Churn models")],
    ModelMetadata: lambda: [
        ModelMetadata(commit_id="abc123", repository="github.com/acme/churn", generated_by="ci", project_id="p-1")
    ],
    ModelMetrics: lambda: [
        ModelMetrics(
            model_quality_statistics="s3://data/eval/statistics.json",
            model_quality_constraints="s3://data/eval/constraints.json",
            model_data_quality_statistics="s3://data/baseline/statistics.json",
            model_data_quality_constraints="s3://data/baseline/constraints.json",
        )
    ],
    ModelPackageArgs: lambda: [
        ModelPackageArgs(
            group_name="churn",
            image_uri=IMAGE,
            model_data_url="s3://data/out/model.tar.gz",
            environment={"LOG_LEVEL": "info"},
            description="Churn, trained on March data",
            supported_content_types=["text/csv"],
            supported_response_mime_types=["text/csv"],
            supported_realtime_inference_instance_types=["ml.m5.large"],
            supported_transform_instance_types=["ml.m5.large"],
            metadata=_examples(ModelMetadata)[0],
            model_metrics=_examples(ModelMetrics)[0],
            domain="MACHINE_LEARNING",
            task="CLASSIFICATION",
            sample_payload_url="s3://data/payload.tar.gz",
            skip_model_validation=True,
        ),
        ModelPackageArgs(package_name="churn-unversioned", image_uri=IMAGE, tags={"team": "ml"}),
    ],
    ManagedInstanceScaling: lambda: [ManagedInstanceScaling(min_instance_count=1, max_instance_count=4)],
    InstanceVariant: lambda: [
        InstanceVariant(
            name="blue",
            instance_type="ml.m5.large",
            initial_instance_count=2,
            initial_weight=0.5,
            volume_size_in_gb=30,
            managed_instance_scaling=_examples(ManagedInstanceScaling)[0],
            routing_strategy="LEAST_OUTSTANDING_REQUESTS",
        )
    ],
    ServerlessVariant: lambda: [
        ServerlessVariant(
            name="lambda", memory_size_in_mb=4096, max_concurrency=20, provisioned_concurrency=2, initial_weight=1
        )
    ],
    DataCapture: lambda: [
        DataCapture(
            destination_s3_uri="s3://data/capture", sampling_percentage=20, capture_modes=["Input"], kms_key_id=KEY
        )
    ],
    AsyncInference: lambda: [
        AsyncInference(
            s3_output_path="s3://data/async/out",
            s3_failure_path="s3://data/async/failed",
            success_topic=TOPIC,
            error_topic=TOPIC,
            max_concurrent_invocations_per_instance=4,
            kms_key_id=KEY,
        )
    ],
    TrafficShift: lambda: [
        TrafficShift(type="CANARY", wait_interval_in_seconds=600, canary_percent=10),
        TrafficShift(type="LINEAR", linear_step_percent=20),
        TrafficShift(type="CANARY", canary_instances=1),
        TrafficShift(type="LINEAR", linear_step_instances=2),
    ],
    BlueGreen: lambda: [
        BlueGreen(
            traffic=_examples(TrafficShift)[0],
            termination_wait_in_seconds=300,
            maximum_execution_timeout_in_seconds=1800,
            rollback_alarms=["churn-5xx", "churn-latency"],
        )
    ],
    RollingUpdate: lambda: [
        RollingUpdate(
            batch_percent=10,
            wait_interval_in_seconds=60,
            maximum_execution_timeout_in_seconds=1800,
            rollback_alarms=["churn-5xx"],
        )
    ],
    ModelEndpointArgs: lambda: [
        ModelEndpointArgs(
            model_source=PACKAGE,
            variants=_examples(InstanceVariant),
            shadow_variant=InstanceVariant(name="shadow", instance_type="ml.c5.large", routing_strategy="RANDOM"),
            data_capture=_examples(DataCapture)[0],
            async_inference=_examples(AsyncInference)[0],
            kms_key_id=KEY,
        ),
        ModelEndpointArgs(model_source=PACKAGE, variants=_examples(ServerlessVariant)),
    ],
    Feature: lambda: [
        Feature(name="embedding", type="Fractional", collection_type="Vector", vector_dimension=128),
    ],
    Ttl: lambda: [Ttl(unit="Days", value=7)],
    OnlineStore: lambda: [
        OnlineStore(enabled=True, storage_type="InMemory", ttl=Ttl(unit="Days", value=7), kms_key_id=KEY)
    ],
    DataCatalog: lambda: [DataCatalog(catalog="AwsDataCatalog", database="features", table_name="customers")],
    OfflineStore: lambda: [
        OfflineStore(
            s3_uri="s3://data/feature-store",
            kms_key_id=KEY,
            table_format="Iceberg",
            disable_glue_table_creation=True,
            data_catalog=_examples(DataCatalog)[0],
        )
    ],
    Throughput: lambda: [Throughput(mode="Provisioned", read_units=10, write_units=5)],
}


# ---- the declarations, against botocore's model (not through the code that translates) ----


def _walk(shape: Shape, path: str, where: str) -> Shape:
    """The shape at `path` (`A.B[].C`) of `shape`; a failed assertion names the missing member."""
    for part in path.split(".") if path else []:
        name = part.removesuffix("[]")
        members = cast(dict[str, Shape], getattr(shape, "members", {}))
        assert name in members, f"{where}: {shape.name} has no member {name!r} (of path {path!r})"
        shape = members[name]
        if part.endswith("[]"):
            assert isinstance(shape, ListShape), f"{where}: {name} is not a list (path {path!r})"
            shape = cast(Shape, shape.member)
    return shape


def _models_in(annotation: Any) -> Iterator[type[ConfigModel]]:
    """The ConfigModel classes a field's type mentions (`list[InputData]`, `A | B | None`)."""
    if isinstance(annotation, type) and issubclass(annotation, ConfigModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models_in(argument)


def _fits(model: type[ConfigModel], shape: Shape) -> bool:
    """Whether `model` can be placed where `shape` is expected: as it, or as one of its alternatives."""
    if isinstance(shape, ListShape):
        shape = cast(Shape, shape.member)
    members = cast(dict[str, Shape], getattr(shape, "members", {}))
    return shape.name == model.api_shape or any(member.name == model.api_shape for member in members.values())


def _member_of(model: type[ConfigModel], field: str, root: StructureShape) -> str | None:
    """The declared path of `field`, or None for an override; a failed assertion if it has neither."""
    if field in model.api_overrides:
        return None
    if field in model.api_names:
        return model.api_names[field]
    by_rule = {xform_name(member): member for member in cast(dict[str, Shape], root.members)}
    assert field in by_rule, (
        f"{model.__name__}.{field}: {root.name} has no member whose snake_case is {field!r}; "
        "name its member in api_names or declare it in api_overrides"
    )
    return by_rule[field]


@pytest.mark.parametrize("model", TRANSLATED, ids=lambda model: model.__name__)
def test_every_field_is_a_member_of_the_declared_shape(model: type[ConfigModel]) -> None:
    model.model_rebuild()  # resolves annotations naming models defined further down
    root = cast(StructureShape, shape_named(cast(str, model.api_shape)))
    declared = set(model.api_names) | set(model.api_overrides)
    assert declared <= set(model.model_fields), f"declared for no field: {sorted(declared - set(model.model_fields))}"
    for path in model.api_constants:
        _walk(root, path, f"{model.__name__} constant")
    for field, info in model.model_fields.items():
        path = _member_of(model, field, root)
        if path is None:
            continue
        where = f"{model.__name__}.{field}"
        end = _walk(root, path, where)
        for nested in _models_in(info.annotation):
            if path == "":
                assert nested.api_shape == model.api_shape, f"{where}: only a {model.api_shape} merges into one"
            else:
                assert _fits(nested, end), f"{where}: a {nested.__name__} ({nested.api_shape}) is no {end.name}"


def _required_elsewhere(model: type[ConfigModel], violation_path: str, reason: str, root: StructureShape) -> bool:
    """A top-level required member no field of the model maps to: set by someone else (the
    provider names the job, the component names the config), so not this model's to give."""
    if reason != "is required" or "." in violation_path or "[" in violation_path:
        return False
    paths = [_member_of(model, field, root) for field in model.model_fields]
    given = {path.split(".")[0].removesuffix("[]") for path in [*paths, *model.api_constants] if path}
    return violation_path not in given


@pytest.mark.parametrize("model", TRANSLATED, ids=lambda model: model.__name__)
def test_a_full_example_is_valid_for_the_shape(model: type[ConfigModel]) -> None:
    assert model in EXAMPLES, f"{model.__name__} has no example in EXAMPLES: add a fully populated one"
    root = cast(StructureShape, shape_named(cast(str, model.api_shape)))
    examples = EXAMPLES[model]()
    for example in examples:
        _, violations = validate(example.to_api(), root)
        found = [v for v in violations if not _required_elsewhere(model, v.path, v.reason, root)]
        assert found == [], f"{model.__name__}: {found}"
    translated = {field for field in model.model_fields if field not in model.api_overrides}
    unset = translated - {field for example in examples for field in example.model_fields_set}
    assert unset == set(), f"{model.__name__}: no example sets {sorted(unset)}"


@pytest.mark.parametrize("model", [m for m in MODELS if m.api_shape is None], ids=lambda model: model.__name__)
def test_a_model_without_a_shape_is_not_translated(model: type[ConfigModel]) -> None:
    """Stack config and FeatureGroupArgs: no API shape of their own, so no to_api, and never nested
    where a translated model expects one."""
    assert model.to_api is ConfigModel.to_api
    for parent in TRANSLATED:
        for field, info in parent.model_fields.items():
            assert model not in set(_models_in(info.annotation)), f"{parent.__name__}.{field} nests {model.__name__}"


def test_the_rule_leaves_out_what_is_unset() -> None:
    assert Compute(instance_type="ml.m5.xlarge").to_api() == {
        "InstanceType": "ml.m5.xlarge",
        "InstanceCount": 1,
        "VolumeSizeInGB": 30,
    }
    bare = TrainingJobArgs(
        image_uri=IMAGE,
        role_arn=ROLE,
        compute=Compute(instance_type="ml.m5.xlarge"),
        output_data_config=OutputDataConfig(s3_output_path="s3://data/out"),
    ).to_api()
    assert set(bare) == {"AlgorithmSpecification", "RoleArn", "ResourceConfig", "OutputDataConfig", "StoppingCondition"}


def test_outputs_pass_through_untouched() -> None:
    uri, key = pulumi.Output.from_input("s3://data/train"), pulumi.Output.secret(KEY)
    channel = InputData(channel_name="train", data_source=uri).to_api()
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] is uri
    assert OnlineStore(kms_key_id=key).to_api()["SecurityConfig"]["KmsKeyId"] is key


# ---- pulumi-aws's names for the native resources ----


def _nested_type(annotation: Any) -> type | None:
    """The pulumi-aws input type an argument's annotation refers to (`...ArgsDict`), if any."""
    found = re.search(r"ForwardRef\('(\w+Args)(?:Dict)?'\)", str(annotation))
    return getattr(pulumi_inputs, f"{found.group(1)}Dict") if found else None


def _unknown_pulumi_names(value: Any, declared: dict[str, Any], where: str) -> list[str]:
    unknown = []
    for name, item in value.items():
        if name not in declared:
            unknown.append(f"{where}{name}")
            continue
        nested = _nested_type(declared[name])
        for element in item if isinstance(item, list) else [item]:
            if nested is not None and isinstance(element, dict):
                unknown += _unknown_pulumi_names(element, nested.__annotations__, f"{where}{name}.")
    return unknown


def _resource_args(resource_args: type) -> dict[str, Any]:
    return {
        name: parameter.annotation
        for name, parameter in inspect.signature(resource_args.__init__).parameters.items()
        if name != "__self__"
    }


def test_endpoint_config_arguments_are_pulumi_aws_names() -> None:
    for example in _examples(ModelEndpointArgs):
        request = example.config_request("model")
        arguments = to_pulumi_args(request, input_shape("CreateEndpointConfig"), ENDPOINT_CONFIGURATION_NAMES)
        assert _unknown_pulumi_names(arguments, _resource_args(aws.sagemaker.EndpointConfigurationArgs), "") == []


def test_model_and_registry_arguments_are_pulumi_aws_names() -> None:
    network = {k: v for k, v in _examples(Networking)[0].to_api().items() if k in MODEL_NETWORK_MEMBERS}
    for example in _examples(ModelEndpointArgs):
        container = example.container()
        model = {"ExecutionRoleArn": ROLE, "PrimaryContainer": {**container, "Environment": {"A": "1"}}, **network}
        arguments = to_pulumi_args(model, input_shape("CreateModel"))
        assert _unknown_pulumi_names(arguments, _resource_args(aws.sagemaker.ModelArgs), "") == []
    group = to_pulumi_args(_examples(ModelRegistryArgs)[0].to_api(), input_shape("CreateModelPackageGroup"))
    assert _unknown_pulumi_names(group, _resource_args(aws.sagemaker.ModelPackageGroupArgs), "") == []


def test_map_keys_keep_their_spelling_for_pulumi_aws() -> None:
    container = {"Image": IMAGE, "Environment": {"LogLevel": "info", "API_KEY": "k"}}
    arguments = to_pulumi_args({"PrimaryContainer": container}, input_shape("CreateModel"))
    assert arguments == {"primary_container": {"image": IMAGE, "environment": {"LogLevel": "info", "API_KEY": "k"}}}


# ---- components: one Args model, outputs declared once ----


def _job_args() -> dict[str, Any]:
    return {
        "image_uri": IMAGE,
        "role_arn": ROLE,
        "compute": Compute(instance_type="ml.m5.xlarge"),
        "output_data_config": OutputDataConfig(s3_output_path="s3://data/out"),
    }


COMPONENTS: dict[type[pulumi.ComponentResource], tuple[type[ComponentArgs], Callable[[], dict[str, Any]]]] = {
    TrainingJob: (TrainingJobArgs, _job_args),
    ModelRegistry: (
        ModelRegistryArgs,
        lambda: {"description": "Churn models", "share_with_accounts": ["111111111111"]},
    ),
    ModelPackage: (ModelPackageArgs, lambda: {"group_name": "churn", "image_uri": IMAGE}),
    ModelEndpoint: (
        ModelEndpointArgs,
        lambda: {"model_source": PACKAGE, "role_arn": ROLE, "variants": [InstanceVariant(instance_type="ml.m5.large")]},
    ),
    FeatureGroup: (
        FeatureGroupArgs,
        lambda: {
            "record_identifier": "id",
            "event_time": "t",
            "features": [Feature(name="id", type="String"), Feature(name="t", type="Fractional")],
            "offline_store": OfflineStore(s3_uri="s3://data/feature-store"),
        },
    ),
}


def _construct(component: type[pulumi.ComponentResource], *args: Any, **kwargs: Any) -> pulumi.ComponentResource:
    return cast(Callable[..., pulumi.ComponentResource], component)("c", *args, **kwargs)


def _every_output(args: MockResourceArgs) -> dict[str, Any]:
    """A value for each output any resource could report, so that every one is registered."""
    return {
        name: f"{name}-value"
        for name in (
            *("arn", "status", "secondary_status", "model_artifacts", "failure_reason", "endpoint_arn"),
            *("offline_store_status", "offline_store_resolved_s3_uri", "glue_table", "creation_time", "name"),
            *("billable_time_in_seconds", "training_time_in_seconds", "approval_status", "group_name"),
            *("training_job_name", "endpoint_config_name", "feature_group_name", "model_package_group_name", "version"),
        )
    } | {"final_metrics": {"auc": 0.9}, "variants": [{"variant_name": "primary"}]}


def _registrations(build: Callable[[], Any]) -> list[tuple[str, str, dict[str, Any]]]:
    run = run_program(lambda: build() and None, mocks=PlatformMocks(_every_output))
    strip = lambda inputs: {k: v for k, v in inputs.items() if k != "__provider"}  # noqa: E731 - pickled, not compared
    # Sorted: a child created in an apply (a role's policy) registers whenever its input resolves.
    registered = [(r.type, r.name, strip(r.inputs)) for r in run.resources if r.type != "pulumi:pulumi:Stack"]
    return sorted(registered, key=lambda registration: registration[:2])


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda component: component.__name__)
def test_args_model_and_keywords_register_the_same(component: type[pulumi.ComponentResource]) -> None:
    args_model, keywords = COMPONENTS[component]
    by_keywords = _registrations(lambda: _construct(component, **keywords()))
    by_model = _registrations(lambda: _construct(component, args_model(**keywords())))
    assert by_keywords == by_model
    assert by_keywords, "the component registered nothing"


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda component: component.__name__)
def test_args_and_keywords_together_are_refused(component: type[pulumi.ComponentResource]) -> None:
    args_model, keywords = COMPONENTS[component]
    with pytest.raises(TypeError, match=rf"{component.__name__} c: give the arguments as args= or as keyword"):
        _construct(component, args_model(**keywords()), tags={"team": "ml"})


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda component: component.__name__)
def test_the_component_registers_exactly_its_declared_outputs(component: type[pulumi.ComponentResource]) -> None:
    _, keywords = COMPONENTS[component]
    run = run_program(lambda: _construct(component, **keywords()) and None, mocks=PlatformMocks(_every_output))
    registered = run.named("c").outputs
    assert registered is not None
    assert set(registered) == set(declared_outputs(component))


def test_a_keyword_of_no_field_is_refused_naming_it() -> None:
    with pytest.raises(
        ValueError, match=r"retrian_token\n  Extra inputs are not permitted; did you mean 'retrain_token'"
    ):
        TrainingJob("c", **_job_args(), retrian_token="2")


# ---- back from the API: where the user wrote a member ----


def _endpoint_args() -> ModelEndpointArgs:
    scaled = InstanceVariant(instance_type="ml.m5.large", managed_instance_scaling=_examples(ManagedInstanceScaling)[0])
    return ModelEndpointArgs(
        model_source=PACKAGE,
        variants=[scaled],
        shadow_variant=InstanceVariant(name="shadow", instance_type="ml.c5.large"),
        data_capture=_examples(DataCapture)[0],
        async_inference=_examples(AsyncInference)[0],
        kms_key_id=KEY,
    )


def _serverless_args() -> ModelEndpointArgs:
    return ModelEndpointArgs(
        model_source=PACKAGE, variants=[InstanceVariant(instance_type="ml.m5.large"), *_examples(ServerlessVariant)]
    )


@pytest.mark.parametrize(
    ("build", "api_path", "argument"),
    [
        (_endpoint_args, "ProductionVariants", "variants"),
        (_endpoint_args, "ProductionVariants[0].VariantName", "variants[0].name"),
        (_endpoint_args, "ProductionVariants[0].RoutingConfig.RoutingStrategy", None),  # not set
        (
            _endpoint_args,
            "ProductionVariants[0].ManagedInstanceScaling.MaxInstanceCount",
            "variants[0].managed_instance_scaling.max_instance_count",
        ),
        (_endpoint_args, "ProductionVariants[0].ManagedInstanceScaling.Status", None),  # a constant
        (_serverless_args, "ProductionVariants[1].ServerlessConfig.MemorySizeInMB", "variants[1].memory_size_in_mb"),
        (_endpoint_args, "ShadowProductionVariants[0].InstanceType", "shadow_variant.instance_type"),
        (_endpoint_args, "DataCaptureConfig.CaptureOptions[0].CaptureMode", "data_capture.capture_modes[0]"),
        (_endpoint_args, "DataCaptureConfig.CaptureOptions", "data_capture.capture_modes"),
        (
            _endpoint_args,
            "AsyncInferenceConfig.OutputConfig.NotificationConfig.ErrorTopic",
            "async_inference.error_topic",
        ),
        (_endpoint_args, "AsyncInferenceConfig.OutputConfig", None),  # several fields fill it
        (_endpoint_args, "KmsKeyId", "kms_key_id"),
        (
            lambda: _examples(TrainingJobArgs)[0],
            "InputDataConfig[1].DataSource.FileSystemDataSource.DirectoryPath",
            "input_data[1].data_source.directory_path",
        ),
        (
            lambda: _examples(TrainingJobArgs)[0],
            "InputDataConfig[0].DataSource.S3DataSource.S3Uri",
            "input_data[0].data_source.s3_uri",
        ),
        (lambda: _examples(TrainingJobArgs)[0], "VpcConfig.SecurityGroupIds[0]", "networking.security_group_ids[0]"),
        (lambda: _examples(TrainingJobArgs)[0], "HyperParameters.max.depth", "hyperparameters.max.depth"),
        (lambda: _examples(TrainingJobArgs)[0], "AlgorithmSpecification.TrainingImage", "image_uri"),
        (
            lambda: _examples(TrainingJobArgs)[0],
            "AlgorithmSpecification.MetricDefinitions[0].Regex",
            "metric_definitions[0].regex",
        ),
        (lambda: _examples(BlueGreen)[0], "AutoRollbackConfiguration.Alarms[1].AlarmName", "rollback_alarms[1]"),
        (
            lambda: _examples(BlueGreen)[0],
            "BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize",
            "traffic.canary_percent",
        ),
    ],
)
def test_a_member_is_traced_back_to_the_argument_that_gives_it(
    build: Callable[[], ConfigModel], api_path: str, argument: str | None
) -> None:
    assert field_path(build(), api_path) == argument


def test_a_required_member_left_out_is_traced_to_the_field_that_would_give_it() -> None:
    args = _examples(TrainingJobArgs)[1]
    assert field_path(args, "StoppingCondition.MaxWaitTimeInSeconds") is None
    assert field_path(args, "StoppingCondition.MaxWaitTimeInSeconds", unset=True) == (
        "stopping_condition.max_wait_time_in_seconds"
    )


def test_an_extra_member_is_named_as_extra_takes_it() -> None:
    shape = input_shape("CreateTrainingJob")
    assert snake_path("DebugHookConfig.CollectionConfigurations[2].CollectionName", shape) == (
        "debug_hook_config.collection_configurations[2].collection_name"
    )
    assert snake_path("Environment.LogLevel", shape) == "environment.LogLevel", "map keys as written"


def test_an_unknown_extra_field_is_told_the_closest_one() -> None:
    with pytest.raises(
        ValueError,
        match=r"extra: experiment_config\.trial_nme: unknown field of ExperimentConfig; did you mean 'trial_name'\?$",
    ):
        TrainingJob("c", **_job_args(), extra={"experiment_config": {"trial_nme": "t"}})
    with pytest.raises(
        ValueError, match=r"extra: experiment_config\.zzz: unknown field of ExperimentConfig; known: experiment_name, "
    ):
        TrainingJob("c", **_job_args(), extra={"experiment_config": {"zzz": "t"}})


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ({"instance_type": "ml.m5.large"}, "InstanceVariant"),
        ({"instance_tpye": "ml.m5.large"}, "InstanceVariant"),
        ({"memory_size_in_mb": 2048, "name": "a"}, "ServerlessVariant"),
        ({"name": "a"}, "ServerlessVariant"),
        ({}, "ServerlessVariant"),
        ({"instance_type": "ml.m5.large", "memory_size_in_mb": 2048}, "ServerlessVariant"),
        (InstanceVariant(instance_type="ml.m5.large"), "InstanceVariant"),
        ("not a variant", "ServerlessVariant"),
    ],
)
def test_a_union_member_is_chosen_by_the_fields_only_it_has(value: Any, tag: str) -> None:
    choose = by_distinct_fields(InstanceVariant, ServerlessVariant, default=ServerlessVariant)
    assert choose(value) == tag


def test_none_still_means_the_default() -> None:
    args = TrainingJobArgs(**_job_args(), input_data=None, stopping_condition=None, hyperparameters=None)  # pyright: ignore[reportArgumentType]
    assert (args.input_data, args.stopping_condition, args.hyperparameters) == ([], StoppingCondition(), {})


def test_component_signatures_take_one_args_model() -> None:
    for component, (args_model, _) in COMPONENTS.items():
        parameters = inspect.signature(component.__init__).parameters
        assert list(parameters) == ["self", "name", "args", "opts", "kwargs"], component.__name__
        assert args_model.__name__ in str(parameters["args"].annotation)
