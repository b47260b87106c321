"""ModelEndpoint under Pulumi's mocks: what it registers, and that production refuses unapproved packages.

Bad arguments are in the bad-input corpus (tests/bad_inputs.yaml, run by tests/test_bad_inputs.py);
here, how they are refused: the requests of the native Model and EndpointConfiguration checked
like a provider's, all at once, named by argument, with nothing registered, and one message per mistake.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime.mocks import MockResourceArgs
from pydantic import ValidationError

from components import (
    AsyncInference,
    BlueGreen,
    Compute,
    DataCapture,
    InstanceVariant,
    ManagedInstanceScaling,
    ModelEndpoint,
    ModelPackage,
    Networking,
    OutputDataConfig,
    ServerlessVariant,
    TrafficShift,
    TrainingJob,
)
from components.configs import InvalidArguments
from components.rules.deployment import deployment_violations
from sagestack.testing.local_aws import LocalAws
from sagestack.testing.mocks import PlatformMocks, ProgramRun, run_program
from tests.refusals import RecordingMocks, refused

IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/xgboost:1.7-1"
PACKAGE = "arn:aws:sagemaker:us-west-2:111111111111:model-package/churn/3"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _outputs(args: MockResourceArgs) -> dict[str, Any]:
    if args.typ == "aws:sagemaker/model:Model":
        return {"name": f"{args.name}-abc123"}
    if args.typ == "aws:sagemaker/endpointConfiguration:EndpointConfiguration":
        return {"name": f"{args.name}-def456"}
    if args.typ == "pulumi-python:dynamic/sagemaker:TrainingJob":
        return {"model_artifacts": "s3://data/output/job/output/model.tar.gz"}
    return {}


def _run(build: Callable[[], Any]) -> ProgramRun:
    return run_program(lambda: build() and None, mocks=PlatformMocks(_outputs))


def _endpoint(**overrides: Any) -> ModelEndpoint:
    arguments: dict[str, Any] = {
        "model_source": PACKAGE,
        "role_arn": ROLE,
        "variants": [InstanceVariant(instance_type="ml.m5.large")],
    }
    arguments.update(overrides)
    return ModelEndpoint("churn", **arguments)


def _variants(run: ProgramRun) -> list[dict[str, Any]]:
    return run.named("churn-config").inputs["productionVariants"]


def test_children_parentage_and_outputs() -> None:
    run = _run(_endpoint)
    component = run.named("churn")
    assert [(r.type, r.name) for r in run.children_of(component)] == [
        ("aws:sagemaker/model:Model", "churn-model"),
        ("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "churn-config"),
        ("pulumi-python:dynamic/sagemaker:Endpoint", "churn-endpoint"),
    ]
    endpoint = run.named("churn-endpoint")
    assert endpoint.inputs["endpoint_config_name"] == "churn-config-def456"
    assert endpoint.inputs["endpoint_name"] == "churn"
    assert "name" not in run.named("churn-config").inputs, "configs are auto-named, so a change creates a new one first"
    assert run.named("churn-model").inputs["primaryContainer"] == {"modelPackageName": PACKAGE}
    assert component.outputs is not None and component.outputs["model_name"] == "churn-model-abc123"


def test_serverless_endpoint() -> None:
    run = _run(
        lambda: _endpoint(
            variants=[ServerlessVariant(memory_size_in_mb=4096, max_concurrency=20, provisioned_concurrency=2)]
        )
    )
    [variant] = _variants(run)
    assert variant["serverlessConfig"] == {"memorySizeInMb": 4096, "maxConcurrency": 20, "provisionedConcurrency": 2}
    assert "instanceType" not in variant


def test_two_weighted_variants() -> None:
    run = _run(
        lambda: _endpoint(
            variants=[
                InstanceVariant(name="blue", instance_type="ml.m5.large", initial_instance_count=2, initial_weight=0.9),
                InstanceVariant(
                    name="green",
                    instance_type="ml.c5.xlarge",
                    initial_weight=0.1,
                    managed_instance_scaling=ManagedInstanceScaling(min_instance_count=1, max_instance_count=4),
                    routing_strategy="LEAST_OUTSTANDING_REQUESTS",
                ),
            ]
        )
    )
    blue, green = _variants(run)
    assert (blue["variantName"], blue["initialVariantWeight"], blue["initialInstanceCount"]) == ("blue", 0.9, 2)
    assert green["managedInstanceScaling"] == {"status": "ENABLED", "minInstanceCount": 1, "maxInstanceCount": 4}
    assert green["routingConfigs"] == [{"routingStrategy": "LEAST_OUTSTANDING_REQUESTS"}]
    assert blue["modelName"] == green["modelName"] == "churn-model-abc123"


def test_a_shadow_variant_beside_its_production_variant() -> None:
    run = _run(lambda: _endpoint(shadow_variant=InstanceVariant(name="shadow", instance_type="ml.c5.large")))
    [shadow] = run.named("churn-config").inputs["shadowProductionVariants"]
    assert (shadow["variantName"], shadow["instanceType"]) == ("shadow", "ml.c5.large")
    assert [variant["variantName"] for variant in _variants(run)] == ["primary"]


def test_canary_blue_green_with_alarms() -> None:
    deployment = BlueGreen(
        traffic=TrafficShift(type="CANARY", canary_percent=10, wait_interval_in_seconds=600),
        termination_wait_in_seconds=300,
        rollback_alarms=["churn-5xx", "churn-latency-p99"],
    )
    run = _run(lambda: _endpoint(deployment=deployment))
    assert run.named("churn-endpoint").inputs["deployment_config"] == {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "WaitIntervalInSeconds": 600,
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
            },
            "TerminationWaitInSeconds": 300,
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-5xx"}, {"AlarmName": "churn-latency-p99"}]},
    }


def test_data_capture_and_volume_with_kms() -> None:
    run = _run(
        lambda: _endpoint(
            data_capture=DataCapture(destination_s3_uri="s3://data/capture", sampling_percentage=20, kms_key_id=KEY),
            kms_key_id=KEY,
        )
    )
    config = run.named("churn-config").inputs
    assert config["kmsKeyArn"] == KEY
    assert config["dataCaptureConfig"] == {
        "enableCapture": True,
        "initialSamplingPercentage": 20,
        "destinationS3Uri": "s3://data/capture",
        "kmsKeyId": KEY,
        "captureOptions": [{"captureMode": "Input"}, {"captureMode": "Output"}],
    }


def test_async_inference() -> None:
    run = _run(
        lambda: _endpoint(
            async_inference=AsyncInference(
                s3_output_path="s3://data/async/out",
                error_topic="arn:aws:sns:us-west-2:123456789012:errors",
                max_concurrent_invocations_per_instance=4,
            )
        )
    )
    assert run.named("churn-config").inputs["asyncInferenceConfig"] == {
        "outputConfig": {
            "s3OutputPath": "s3://data/async/out",
            "notificationConfig": {"errorTopic": "arn:aws:sns:us-west-2:123456789012:errors"},
        },
        "clientConfig": {"maxConcurrentInvocationsPerInstance": 4},
    }


def test_endpoint_from_a_training_job_with_a_generated_role() -> None:
    def build() -> ModelEndpoint:
        job = TrainingJob(
            "churn-train",
            image_uri=IMAGE,
            role_arn=ROLE,
            compute=Compute(instance_type="ml.m5.xlarge"),
            output_data_config=OutputDataConfig(s3_output_path="s3://data/output"),
        )
        return _endpoint(model_source=job, role_arn=None)

    run = _run(build)
    assert run.named("churn-model").inputs["primaryContainer"] == {
        "image": IMAGE,
        "modelDataUrl": "s3://data/output/job/output/model.tar.gz",
    }
    role = run.named("churn-role")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "sagemaker.amazonaws.com"
    }
    assert run.named("churn-model").inputs["executionRoleArn"] == "arn:aws:mock:us-west-2:123456789012:role/churn-role"
    policy = json.loads(run.named("churn-role-policy").inputs["policy"])
    # What each statement is scoped to is tests/test_generated_roles.py's subject.
    assert [statement["Sid"] for statement in policy["Statement"]] == [
        "ReadModelArtifacts",
        "PullImage",
        "LogInToEcr",
        "WriteLogs",
        "PutEndpointMetrics",
    ]


def test_production_refuses_an_unapproved_package() -> None:
    def pending() -> ModelEndpoint:
        package = ModelPackage("pkg", group_name="churn", image_uri=IMAGE, model_data_url="s3://m/model.tar.gz")
        return _endpoint(model_source=package, production=True)

    with pytest.raises(
        ValueError, match="production serves only Approved model packages; this one is PendingManualApproval"
    ):
        _run(pending)
    with pytest.raises(ValueError, match="this one is Rejected"):
        _run(lambda: _endpoint(production=True, approval_lookup=lambda arn: "Rejected"))
    run = _run(lambda: _endpoint(production=True, approval_lookup=lambda arn: "Approved"))
    assert run.named("churn-endpoint")


SECRET_SIGNATURE, SECRET_MARK = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


def test_a_secret_environment_value_reaches_the_native_model() -> None:
    """pulumi-aws keeps the secret encrypted in state; the component must accept and pass it."""
    run = _run(lambda: _endpoint(environment={"LOG_LEVEL": "info", "API_KEY": pulumi.Output.secret("k3y")}))
    container = run.named("churn-model").inputs["primaryContainer"]
    # Pulumi's mocks mark the whole property secret (the real engine keeps the secret's own path).
    assert container[SECRET_SIGNATURE] == SECRET_MARK
    assert container["value"]["environment"] == {"LOG_LEVEL": "info", "API_KEY": "k3y"}


# --- the native resources' requests, checked before anything is registered ---------------------


def _refused(build: Callable[[], Any], error: type[Exception] = InvalidArguments) -> str:
    return refused(build, _outputs, error)


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"role_arn": "arn:aws:iam::123456789012:user/bob"}, "role_arn", "does not match the pattern"),
        ({"role_arn": ""}, "role_arn", "at least 20 characters"),
        ({"environment": {"1BAD": "x"}}, "environment.1BAD", "key '1BAD' does not match"),
        ({"environment": {f"K{n}": "v" for n in range(101)}}, "environment", "at most 100 entries (has 101)"),
        (
            {"networking": Networking(security_group_ids=[f"sg-{n}" for n in range(6)], subnets=["subnet-1"])},
            "networking.security_group_ids",
            "at most 5 items (has 6)",
        ),
        (
            {"networking": Networking(security_group_ids=[], subnets=["subnet-1"])},
            "networking.security_group_ids",
            "at least 1 items (has 0)",
        ),
        ({"model_source": "arn:aws:s3:::bucket/model"}, "model_source", "does not match the pattern"),
        (
            {"variants": [InstanceVariant(name="blue variant", instance_type="ml.m5.large")]},
            "variants[0].name",
            "does not match the pattern",
        ),
        (
            {"shadow_variant": InstanceVariant(name="shadow_1", instance_type="ml.m5.large")},
            "shadow_variant.name",
            "does not match the pattern",
        ),
        (
            {"data_capture": DataCapture(destination_s3_uri="/tmp/capture")},
            "data_capture.destination_s3_uri",
            "does not match the pattern",
        ),
        ({"kms_key_id": "k" * 2049}, "kms_key_id", "at most 2048 characters"),
        (
            {"deployment": BlueGreen(rollback_alarms=["churn-5xx", ""])},
            "deployment.rollback_alarms[1]",
            "at least 1 characters",
        ),
        (
            {"config_extra": {"explainer_config": {"clarify_explainer_config": {"enable_explanations": "x" * 65}}}},
            "config_extra.explainer_config.clarify_explainer_config.enable_explanations",
            "at most 64 characters",
        ),
        ({"tags": {"aws:team": "ml"}}, "tags.aws:team", "reserved by AWS"),
    ],
)
def test_a_request_sagemaker_would_refuse_is_refused_naming_the_argument(
    overrides: dict[str, Any], field: str, reason: str
) -> None:
    message = _refused(lambda: _endpoint(**overrides))
    assert message.startswith("ModelEndpoint churn: ")
    assert f"{field}: " in message and reason in message, message


@pytest.mark.parametrize(
    ("environment", "key"),
    [
        ({"KEY": "AKIAIOSFODNN7EXAMPLE"}, "KEY"),
        ({"TOKEN": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}, "TOKEN"),
        ({"AWS_SECRET_ACCESS_KEY": "anything"}, "AWS_SECRET_ACCESS_KEY"),
    ],
)
def test_credentials_in_the_environment_are_refused_as_in_training(environment: dict[str, str], key: str) -> None:
    message = _refused(lambda: _endpoint(environment={"LOG_LEVEL": "info", **environment}))
    assert f"ModelEndpoint churn: environment.{key}: " in message
    assert "LOG_LEVEL" not in message


def test_a_secret_may_hold_what_a_plain_value_may_not() -> None:
    """A Pulumi secret stays encrypted in the state: the place for a credential-like value."""
    run = _run(lambda: _endpoint(environment={"TOKEN": pulumi.Output.secret("AKIAIOSFODNN7EXAMPLE")}))
    assert run.named("churn-model")


def test_every_violation_is_reported_at_once() -> None:
    message = _refused(
        lambda: _endpoint(
            role_arn="arn:aws:iam::123456789012:user/bob",
            environment={"1BAD": "x", "KEY": "AKIAIOSFODNN7EXAMPLE"},
            variants=[InstanceVariant(name="blue variant", instance_type="ml.m5.large")],
            deployment=BlueGreen(rollback_alarms=[""]),
            tags={"aws:team": "ml"},
        )
    )
    for field in ("role_arn", "environment.1BAD", "environment.KEY", "variants[0].name", "tags.aws:team"):
        assert f"{field}: " in message, (field, message)
    assert "deployment.rollback_alarms[0]: " in message


def test_values_not_known_yet_are_left_to_the_provider() -> None:
    """Outputs of other resources are skipped, as a preview's Check skips unknowns."""

    def build() -> ModelEndpoint:
        role = aws.iam.Role("hosting", assume_role_policy="{}")
        key = aws.kms.Key("key")
        return _endpoint(
            role_arn=role.arn,
            kms_key_id=key.arn,
            environment={"BUCKET": key.id, "LEVEL": "info"},
            data_capture=DataCapture(destination_s3_uri=key.arn.apply(lambda _: "s3://data/capture")),
        )

    run = _run(build)
    assert run.named("churn-model").inputs["executionRoleArn"] == "arn:aws:mock:us-west-2:123456789012:role/hosting"


# --- one mistake, one message -------------------------------------------------------------------


def _errors(build: Callable[[], Any]) -> list[Any]:
    mocks = RecordingMocks(_outputs)
    with pytest.raises(ValidationError) as refused:
        run_program(lambda: build() and None, mocks=mocks)
    assert mocks.registered == []
    return list(refused.value.errors())


@pytest.mark.parametrize(
    ("overrides", "location", "reason"),
    [
        (
            {"variants": [{"instance_type": "ml.banana.large"}]},
            ("variants", 0, "InstanceVariant", "instance_type"),
            "is not one of",
        ),
        (
            {"variants": [{"instance_type": "ml.m5.large", "initial_instance_count": 0}]},
            ("variants", 0, "InstanceVariant", "initial_instance_count"),
            "greater than or equal to 1",
        ),
        (
            {"variants": [{"memory_size_in_mb": 1500}]},
            ("variants", 0, "ServerlessVariant", "memory_size_in_mb"),
            "1 GB steps",
        ),
        (
            {"variants": [{"max_concurrency": 2, "provisioned_concurrency": 3}]},
            ("variants", 0, "ServerlessVariant", "provisioned_concurrency"),
            "must not exceed max_concurrency",
        ),
        (
            {"deployment": {"traffic": {"type": "CANARY", "canary_percent": 60}}},
            ("deployment", "BlueGreen", "traffic", "canary_percent"),
            "less than or equal to 50",
        ),
        (
            {"deployment": {"traffic": {"type": "LINEAR"}}},
            ("deployment", "BlueGreen", "traffic", "linear_step_percent"),
            "needs linear_step_percent",
        ),
        (
            {"deployment": {"batch_percent": 60, "rollback_alarms": ["a"]}},
            ("deployment", "RollingUpdate", "batch_percent"),
            "less than or equal to 50",
        ),
    ],
)
def test_one_mistake_in_a_union_member_is_one_message(
    overrides: dict[str, Any], location: tuple[Any, ...], reason: str
) -> None:
    [error] = _errors(lambda: _endpoint(**overrides))
    assert (error["loc"], reason in error["msg"]) == (location, True), error


@pytest.mark.parametrize(
    ("overrides", "location", "meant"),
    [
        (
            {"variants": [{"instance_tpye": "ml.m5.large"}]},
            ("variants", 0, "InstanceVariant", "instance_tpye"),
            "instance_type",
        ),
        (
            {"variants": [{"memory_size_in_md": 2048}]},
            ("variants", 0, "ServerlessVariant", "memory_size_in_md"),
            "memory_size_in_mb",
        ),
        ({"deployment": {"batch_percnt": 10}}, ("deployment", "RollingUpdate", "batch_percnt"), "batch_percent"),
        ({"enviroment": {"A": "1"}}, ("enviroment",), "environment"),
    ],
)
def test_a_misspelt_field_is_one_message_saying_what_was_meant(
    overrides: dict[str, Any], location: tuple[Any, ...], meant: str
) -> None:
    [error] = _errors(lambda: _endpoint(**overrides))
    assert error["loc"] == location
    assert error["msg"] == f"Extra inputs are not permitted; did you mean {meant!r}?"


def test_an_unknown_field_with_nothing_close_lists_the_fields() -> None:
    [error] = _errors(lambda: _endpoint(variants=[{"instance_type": "ml.m5.large", "gpu": True}]))
    assert error["msg"].startswith("Extra inputs are not permitted; InstanceVariant takes: name, instance_type, ")


def test_a_cross_field_rule_is_located_at_the_field_to_fix() -> None:
    with pytest.raises(ValidationError) as refused:
        ManagedInstanceScaling(min_instance_count=5, max_instance_count=2)
    [error] = refused.value.errors()
    assert error["loc"] == ("min_instance_count",)
    with pytest.raises(ValidationError) as refused:
        TrafficShift(type="CANARY")
    assert [error["loc"] for error in refused.value.errors()] == [("canary_percent",)]


# --- production: the package's approval -------------------------------------------------------


def test_production_names_an_unknown_package_instead_of_a_raw_aws_error(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default lookup is DescribeModelPackage; a package that does not exist is a ClientError."""
    for variable, value in aws.env().items():
        monkeypatch.setenv(variable, value)
    missing = "arn:aws:sagemaker:us-west-2:123456789012:model-package/churn/99"
    message = _refused(lambda: _endpoint(model_source=missing, production=True), ValueError)
    assert message.startswith(f"ModelEndpoint churn: model_source: cannot read the approval status of {missing!r}")
    assert "DescribeModelPackage failed with ValidationException" in message
    assert "production serves only Approved model packages" in message


def test_production_names_any_failed_lookup() -> None:
    def unreachable(arn: str) -> str:
        raise ConnectionError(f"no route to {arn}")

    message = _refused(lambda: _endpoint(production=True, approval_lookup=unreachable), ValueError)
    assert message.startswith("ModelEndpoint churn: model_source: cannot read the approval status")
    assert "ConnectionError: no route to" in message


def test_an_unknown_config_extra_field_is_named_under_config_extra() -> None:
    message = _refused(lambda: _endpoint(config_extra={"explainer_confg": {}}), ValueError)
    assert message == (
        "ModelEndpoint churn: config_extra: explainer_confg: unknown field of CreateEndpointConfigInput; "
        "did you mean 'explainer_config'?"
    )


# ---- model_extra: CreateModel members the arguments do not say ----


def _model(run: ProgramRun) -> dict[str, Any]:
    return run.named("churn-model").inputs


def test_model_extra_adds_members_to_the_primary_container_the_arguments_build() -> None:
    extra = {
        "primary_container": {
            "container_hostname": "xgboost",
            "mode": "MultiModel",
            "multi_model_config": {"model_cache_setting": "Disabled"},
        }
    }
    run = _run(lambda: _endpoint(model_extra=extra, environment={"LOG_LEVEL": "info"}))
    assert _model(run)["primaryContainer"] == {
        "modelPackageName": PACKAGE,
        "environment": {"LOG_LEVEL": "info"},
        "containerHostname": "xgboost",
        "mode": "MultiModel",
        "multiModelConfig": {"modelCacheSetting": "Disabled"},
    }


def test_model_extra_containers_replace_the_primary_container() -> None:
    extra = {
        "containers": [
            {"container_hostname": "a", "image": IMAGE, "model_data_url": "s3://data/a/model.tar.gz"},
            {"container_hostname": "b", "model_package_name": PACKAGE},
        ],
        "inference_execution_config": {"mode": "Direct"},
    }
    run = _run(lambda: _endpoint(model_source=None, model_extra=extra))
    model = _model(run)
    assert "primaryContainer" not in model
    assert model["containers"] == [
        {"containerHostname": "a", "image": IMAGE, "modelDataUrl": "s3://data/a/model.tar.gz"},
        {"containerHostname": "b", "modelPackageName": PACKAGE},
    ]
    assert model["inferenceExecutionConfig"] == {"mode": "Direct"}


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        # Names and nesting: refused with the path and what was meant, before any check.
        (
            {"model_extra": {"primary_container": {"container_hostnam": "x"}}},
            "model_extra: primary_container.container_hostnam",
            "did you mean 'container_hostname'?",
        ),
        ({"model_extra": {"containres": []}}, "model_extra: containres", "did you mean 'containers'?"),
        # Values: checked with the model's request, named where model_extra gave them.
        (
            {"model_extra": {"primary_container": {"mode": "Banana"}}},
            "model_extra.primary_container.mode",
            "is not one of: SingleModel, MultiModel",
        ),
        (
            {"model_extra": {"primary_container": {"multi_model_config": {"model_cache_setting": "Off"}}}},
            "model_extra.primary_container.multi_model_config.model_cache_setting",
            "is not one of: Enabled, Disabled",
        ),
        (
            {"model_source": None, "model_extra": {"containers": [{"image": IMAGE, "mode": "Banana"}]}},
            "model_extra.containers[0].mode",
            "is not one of",
        ),
        (
            {"model_source": None, "model_extra": {"containers": [{"image": IMAGE, "environment": {"1BAD": "x"}}]}},
            "model_extra.containers[0].environment.1BAD",
            "does not match the pattern",
        ),
        (
            {
                "model_source": None,
                "model_extra": {"containers": [{"image": IMAGE, "environment": {"K": "AKIAIOSFODNN7EXAMPLE"}}]},
            },
            "model_extra.containers[0].environment.K",
            "AWS access key",
        ),
        # An argument's mistake is still named by the argument beside a merged primary_container.
        (
            {"environment": {"1BAD": "x"}, "model_extra": {"primary_container": {"container_hostname": "x"}}},
            "environment.1BAD",
            "does not match the pattern",
        ),
        (
            {"model_source": None, "role_arn": None, "model_extra": {"containers": [{"image": IMAGE}]}},
            "role_arn",
            "required with model_extra.containers",
        ),
    ],
)
def test_model_extra_is_checked_and_named_where_it_was_written(
    overrides: dict[str, Any], field: str, reason: str
) -> None:
    message = _refused(lambda: _endpoint(**overrides), ValueError)  # InvalidArguments is one too
    assert f"{field}: " in message and reason in message, message


@pytest.mark.parametrize(
    ("overrides", "loc", "reason"),
    [
        (
            {"model_extra": {"containers": [{"model_package_name": PACKAGE}]}},
            "model_source",
            "model_source builds the model's primary container, which model_extra.containers replaces",
        ),
        (
            {"model_source": None, "environment": {"A": "1"}, "model_extra": {"containers": [{"image": IMAGE}]}},
            "environment",
            "which model_extra.containers replaces",
        ),
        (
            {"model_source": None, "model_extra": {"containers": [{"image": IMAGE}], "primary_container": {}}},
            "model_extra",
            "model_extra.primary_container and model_extra.containers",
        ),
        ({"model_source": None}, "model_source", "required: a ModelPackage"),
        (
            {"model_extra": {"execution_role_arn": ROLE}},
            "model_extra",
            "execution_role_arn is not taken here: give it as role_arn",
        ),
        ({"model_extra": {"vpc_config": {}}}, "model_extra", "vpc_config is not taken here: give it as networking"),
        ({"model_extra": {"tags": []}}, "model_extra", "model_extra.tags is not taken here: give them as tags"),
        (
            {"model_extra": {"primary_container": {"image": IMAGE}}},
            "model_extra",
            "model_extra.primary_container.image is not taken here: model_source (or image_uri) gives the image",
        ),
        (
            {"model_extra": {"primary_container": {"environment": {"A": "1"}}}},
            "model_extra",
            "primary_container.environment is not taken here: give it as environment",
        ),
    ],
)
def test_contradictory_model_arguments_are_refused_naming_the_field(
    overrides: dict[str, Any], loc: str, reason: str
) -> None:
    """One way to say each part of the model: what an argument says, model_extra may not say too."""
    mocks = RecordingMocks(_outputs)
    with pytest.raises(ValidationError) as refused:
        run_program(lambda: _endpoint(**overrides) and None, mocks=mocks)
    [error] = refused.value.errors()
    assert (error["loc"], mocks.registered) == ((loc,), [])
    assert reason in error["msg"]


def test_model_extra_none_is_no_extra() -> None:
    run = _run(lambda: _endpoint(model_extra=None))
    assert _model(run)["primaryContainer"] == {"modelPackageName": PACKAGE}


def test_production_serves_containers_only_as_a_model_source() -> None:
    message = _refused(
        lambda: _endpoint(
            model_source=None, production=True, model_extra={"containers": [{"model_package_name": PACKAGE}]}
        ),
        ValueError,
    )
    assert message.startswith("ModelEndpoint churn: model_extra: production serves only Approved model packages")


# ---- traffic sizes in instances ----


def _routing(run: ProgramRun) -> dict[str, Any]:
    return run.named("churn-endpoint").inputs["deployment_config"]["BlueGreenUpdatePolicy"][
        "TrafficRoutingConfiguration"
    ]


@pytest.mark.parametrize(
    ("traffic", "member", "size"),
    [
        (TrafficShift(type="CANARY", canary_instances=2), "CanarySize", {"Type": "INSTANCE_COUNT", "Value": 2}),
        (TrafficShift(type="CANARY", canary_percent=10), "CanarySize", {"Type": "CAPACITY_PERCENT", "Value": 10}),
        (
            TrafficShift(type="LINEAR", linear_step_instances=1),
            "LinearStepSize",
            {"Type": "INSTANCE_COUNT", "Value": 1},
        ),
        (
            TrafficShift(type="LINEAR", linear_step_percent=20),
            "LinearStepSize",
            {"Type": "CAPACITY_PERCENT", "Value": 20},
        ),
    ],
)
def test_traffic_sizes_in_percent_or_instances(traffic: TrafficShift, member: str, size: dict[str, Any]) -> None:
    routing = _routing(_run(lambda: _endpoint(deployment=BlueGreen(traffic=traffic))))
    assert routing[member] == size
    assert {"CanarySize", "LinearStepSize"} - {member} & set(routing) == set(), "only the chosen type's size"


@pytest.mark.parametrize(
    ("arguments", "loc", "reason"),
    [
        ({"type": "CANARY", "canary_percent": 10, "canary_instances": 1}, "canary_instances", "not both"),
        (
            {"type": "LINEAR", "linear_step_percent": 10, "linear_step_instances": 1},
            "linear_step_instances",
            "not both",
        ),
        ({"type": "CANARY"}, "canary_percent", "needs canary_percent or canary_instances"),
        ({"type": "LINEAR"}, "linear_step_percent", "needs linear_step_percent or linear_step_instances"),
        ({"type": "CANARY", "canary_instances": 0}, "canary_instances", "greater than or equal to 1"),
        ({"type": "LINEAR", "linear_step_instances": 0}, "linear_step_instances", "greater than or equal to 1"),
    ],
)
def test_traffic_sizes_are_one_of_percent_or_instances(arguments: dict[str, Any], loc: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        TrafficShift(**arguments)
    [error] = refused.value.errors()
    assert error["loc"] == (loc,) and reason in error["msg"]


def test_an_instance_count_size_under_one_is_refused_by_the_endpoint_check() -> None:
    """The Endpoint provider's Check holds INSTANCE_COUNT sizes to the service model's minimum
    (1); the % ranges are `deployment.py`'s rules."""
    routing = {"Type": "CANARY", "WaitIntervalInSeconds": 60, "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 0}}
    violations = deployment_violations({"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing}})
    assert [(v.path, v.reason) for v in violations] == [
        (
            "deployment_config.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize.Value",
            "must be at least 1 (got 0)",
        )
    ]
    routing["CanarySize"]["Value"] = 100  # no % rule for instances
    assert deployment_violations({"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing}}) == []
