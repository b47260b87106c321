"""ModelEndpoint under Pulumi's mocks: what it registers, and that production refuses unapproved packages.

Bad arguments are in the bad-input corpus (tests/bad_inputs.yaml, run by tests/test_bad_inputs.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi.runtime.mocks import MockResourceArgs

from components import (
    AsyncInference,
    BlueGreen,
    Compute,
    DataCapture,
    InstanceVariant,
    ManagedInstanceScaling,
    ModelEndpoint,
    ModelPackage,
    OutputDataConfig,
    ServerlessVariant,
    TrafficShift,
    TrainingJob,
)
from sagestack.testing.mocks import PlatformMocks, ProgramRun, run_program

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
    assert [statement["Sid"] for statement in policy["Statement"]] == ["ReadModelArtifacts", "PullImages", "Logs"]


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
