"""The TrainingJob component under Pulumi's mocks: children, parentage, request, outputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime.mocks import MockResourceArgs
from pydantic import ValidationError

from components import (
    CheckpointConfig,
    Compute,
    InputData,
    MetricDefinition,
    Networking,
    OutputDataConfig,
    S3DataSource,
    StoppingCondition,
    TrainingJob,
)
from components.configs import InvalidArguments
from sagestack.testing.mocks import PlatformMocks, run_program
from tests.refusals import refused

IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/xgboost:1.7-1"
KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _job(name: str = "churn-train", **overrides: Any) -> TrainingJob:
    arguments: dict[str, Any] = {
        "image_uri": IMAGE,
        "role_arn": "arn:aws:iam::123456789012:role/SageMakerExecutionRole",
        "compute": Compute(instance_type="ml.m5.xlarge", instance_count=2),
        "input_data": [InputData(channel_name="train", data_source="s3://data/train")],
        "output_data_config": OutputDataConfig(s3_output_path="s3://data/output"),
        "hyperparameters": {"max_depth": "5"},
        "tags": {"team": "ml"},
    }
    arguments.update(overrides)
    return TrainingJob(name, **arguments)


def _completed_job(args: MockResourceArgs) -> dict[str, Any]:
    """What the provider reports for a finished job."""
    if args.typ != "pulumi-python:dynamic/sagemaker:TrainingJob":
        return {}
    return {"training_job_name": "churn-train-0123456789ab", "status": "Completed", "model_artifacts": "s3://m.tar.gz"}


def test_component_owns_one_dynamic_training_job() -> None:
    run = run_program(lambda: _job().training_job_name, mocks=PlatformMocks(_completed_job))
    component = run.named("churn-train")
    [child] = run.children_of(component)
    assert component.type == "sagemaker:training:TrainingJob"
    assert child.type == "pulumi-python:dynamic/sagemaker:TrainingJob"
    assert child.name == "churn-train-job"
    assert child.inputs["name_prefix"] == "churn-train"
    assert child.inputs["tags"] == {"team": "ml"}
    # Every declared output is registered; under mocks, those the provider did not report are absent.
    assert component.outputs == {
        "arn": "arn:aws:mock:us-west-2:123456789012:trainingjob/churn-train-job",
        "image_uri": IMAGE,
        "training_job_name": "churn-train-0123456789ab",
        "status": "Completed",
        "model_artifacts": "s3://m.tar.gz",
    }
    assert run.result == "churn-train-0123456789ab"


def test_sdk_style_arguments_become_the_create_request() -> None:
    def program() -> None:
        _job(
            compute=Compute(
                instance_type="ml.m5.xlarge", enable_managed_spot_training=True, keep_alive_period_in_seconds=600
            ),
            input_data=[
                InputData(
                    channel_name="train",
                    data_source=S3DataSource(s3_uri="s3://data/train", s3_data_distribution_type="ShardedByS3Key"),
                ),
                InputData(channel_name="validation", data_source="s3://data/validation", content_type="text/csv"),
            ],
            stopping_condition=StoppingCondition(max_runtime_in_seconds=3600, max_wait_time_in_seconds=7200),
            networking=Networking(
                security_group_ids=["sg-0123456789abcdef0"],
                subnets=["subnet-0a1b2c3d4e5f67890"],
                enable_network_isolation=True,
            ),
            checkpoint_config=CheckpointConfig(s3_uri="s3://data/checkpoints"),
            metric_definitions=[MetricDefinition(name="validation:auc", regex="auc:([0-9.]+)")],
        )

    request = run_program(program).named("churn-train-job").inputs["request"]
    assert request["AlgorithmSpecification"] == {
        "TrainingInputMode": "File",
        "TrainingImage": IMAGE,
        "MetricDefinitions": [{"Name": "validation:auc", "Regex": "auc:([0-9.]+)"}],
    }
    assert request["ResourceConfig"] == {
        "InstanceType": "ml.m5.xlarge",
        "InstanceCount": 1,
        "VolumeSizeInGB": 30,
        "KeepAlivePeriodInSeconds": 600,
    }
    assert request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataDistributionType"] == "ShardedByS3Key"
    assert request["InputDataConfig"][1] == {
        "ChannelName": "validation",
        "DataSource": {"S3DataSource": {"S3Uri": "s3://data/validation", "S3DataType": "S3Prefix"}},
        "ContentType": "text/csv",
    }
    assert request["EnableManagedSpotTraining"] is True
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200}
    assert request["VpcConfig"] == {
        "SecurityGroupIds": ["sg-0123456789abcdef0"],
        "Subnets": ["subnet-0a1b2c3d4e5f67890"],
    }
    assert request["EnableNetworkIsolation"] is True
    assert request["CheckpointConfig"] == {"S3Uri": "s3://data/checkpoints"}


@pytest.mark.parametrize(
    ("instance_type", "volume_key"), [("ml.m5.xlarge", True), ("ml.g5.2xlarge", False), ("ml.p4d.24xlarge", False)]
)
def test_one_kms_key_reaches_output_and_volume_where_allowed(instance_type: str, volume_key: bool) -> None:
    run = run_program(lambda: _job(compute=Compute(instance_type=instance_type), kms_key_id=KEY) and None)
    request = run.named("churn-train-job").inputs["request"]
    assert request["OutputDataConfig"]["KmsKeyId"] == KEY
    assert ("VolumeKmsKeyId" in request["ResourceConfig"]) is volume_key


def test_role_and_paths_accept_outputs_of_other_resources() -> None:
    def program() -> None:
        role = aws.iam.Role("training-role", assume_role_policy="{}")
        bucket = aws.s3.Bucket("data")
        _job(
            role_arn=role.arn,
            output_data_config=OutputDataConfig(s3_output_path=bucket.bucket.apply(lambda b: f"s3://{b}/output")),
        )

    run = run_program(program)
    request = run.named("churn-train-job").inputs["request"]
    assert request["RoleArn"] == "arn:aws:mock:us-west-2:123456789012:role/training-role"
    assert request["OutputDataConfig"]["S3OutputPath"].startswith("s3://")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"algorithm_name": "xgboost"}, "set exactly one of image_uri and algorithm_name"),
        ({"compute": {"instance_type": "ml.m5.xlarge", "instance_count": 0}}, "instance_count"),
        ({"compute": {"instance_count": 2}}, "set exactly one of instance_type and instance_groups"),
        ({"networking": {"subnets": ["subnet-0a1b2c3d"]}}, "a VPC needs both security_group_ids and subnets"),
        ({"input_data": [{"channel_name": "train", "data_source": "s3://d", "input_mode": "Stream"}]}, "input_mode"),
        ({"stopping_condition": {"max_runtime_in_seconds": 0}}, "max_runtime_in_seconds"),
    ],
)
def test_bad_arguments_fail_before_anything_is_registered(overrides: dict[str, Any], field: str) -> None:
    registered: list[str] = []

    def program() -> None:
        arguments: dict[str, Any] = {
            key: (Compute(**value) if key == "compute" else Networking(**value) if key == "networking" else value)
            for key, value in overrides.items()
            if key not in ("input_data", "stopping_condition")
        }
        if "input_data" in overrides:
            arguments["input_data"] = [InputData(**channel) for channel in overrides["input_data"]]
        if "stopping_condition" in overrides:
            arguments["stopping_condition"] = StoppingCondition(**overrides["stopping_condition"])
        registered.append("started")
        _job(**arguments)

    with pytest.raises(ValidationError, match=field):
        program_run = run_program(program)
        registered += [r.type for r in program_run.resources]
    assert "pulumi-python:dynamic/sagemaker:TrainingJob" not in registered


def test_outputs_are_typed_attributes() -> None:
    def program() -> pulumi.Output[Any]:
        job = _job()
        return pulumi.Output.all(job.arn, job.model_artifacts)

    assert run_program(program).result[0].startswith("arn:aws:mock:")


def test_extra_members_reach_the_request_in_api_form() -> None:
    extra = {
        "debug_hook_config": {
            "s3_output_path": "s3://data/debug",
            "collection_configurations": [{"collection_name": "metrics"}],
        },
        "experiment_config": {"experiment_name": "churn", "trial_name": "churn-1"},
    }
    request = run_program(lambda: _job(extra=extra) and None).named("churn-train-job").inputs["request"]
    assert request["DebugHookConfig"] == {
        "S3OutputPath": "s3://data/debug",
        "CollectionConfigurations": [{"CollectionName": "metrics"}],
    }
    assert request["ExperimentConfig"] == {"ExperimentName": "churn", "TrialName": "churn-1"}


def test_unknown_extra_members_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"extra: debug_hook_config\.s3_output_pth: unknown field") as refused:
        run_program(lambda: _job(extra={"debug_hook_config": {"s3_output_pth": "s3://x"}}) and None)
    assert str(refused.value).endswith("unknown field of DebugHookConfig; did you mean 's3_output_path'?")


def test_secret_values_are_named_to_the_provider() -> None:
    run = run_program(
        lambda: (
            _job(
                hyperparameters={"max_depth": "5", "token": pulumi.Output.secret("t0k3n")},
                environment={"REGION": "us-west-2", "API_KEY": pulumi.Output.secret("k3y")},
            ).training_job_name
        ),
        mocks=PlatformMocks(_completed_job),
    )
    [child] = run.children_of(run.named("churn-train"))
    assert child.inputs["secret_members"] == ["Environment.API_KEY", "HyperParameters.token"]


# --- the request, checked when the program runs: every rule at once, named by argument ---------


def _refused(build: Callable[[], Any], error: type[Exception] = InvalidArguments) -> str:
    return refused(build, _completed_job, error)


@pytest.mark.parametrize("seconds", [1800, 3600, 2419200])
def test_a_pending_time_the_api_allows_is_accepted(seconds: int) -> None:
    run = run_program(lambda: _job(stopping_condition=StoppingCondition(max_pending_time_in_seconds=seconds)) and None)
    assert run.named("churn-train-job").inputs["request"]["StoppingCondition"]["MaxPendingTimeInSeconds"] == seconds


@pytest.mark.parametrize(
    ("seconds", "reason"), [(1799, "must be at least 1800 (got 1799)"), (2419201, "must be at most 2419200")]
)
def test_a_pending_time_outside_the_api_limits_is_refused_by_name(seconds: int, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        StoppingCondition(max_pending_time_in_seconds=seconds)
    [error] = refused.value.errors()
    assert error["loc"] == ("max_pending_time_in_seconds",) and reason in error["msg"]


def test_a_value_over_every_limit_reports_each_rule() -> None:
    """The service model's 2500 characters and our 256, together: not only the first layer."""
    message = _refused(lambda: _job(hyperparameters={"long": "x" * 3000}))
    assert message == (
        "TrainingJob churn-train: hyperparameters.long: must have at most 2500 characters (has 3000); "
        "hyperparameters.long: values are at most 256 characters"
    )


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"role_arn": "arn:aws:iam::123456789012:user/alice"}, "role_arn", "does not match the pattern"),
        ({"hyperparameters": {"token": "AKIAIOSFODNN7EXAMPLE"}}, "hyperparameters.token", "access key ID"),
        ({"environment": {"AWS_SESSION_TOKEN": "x"}}, "environment.AWS_SESSION_TOKEN", "names an AWS credential"),
        ({"environment": {"1BAD": "x"}}, "environment.1BAD", "key '1BAD' does not match"),
        (
            {"networking": Networking(security_group_ids=[f"sg-{n}" for n in range(6)], subnets=["subnet-1"])},
            "networking.security_group_ids",
            "at most 5 items (has 6)",
        ),
        (
            {"input_data": [InputData(channel_name="train data", data_source="s3://data/train")]},
            "input_data[0].channel_name",
            "does not match the pattern",
        ),
        (
            {"input_data": [InputData(channel_name="train", data_source="http://example.com/data")]},
            "input_data[0].data_source.s3_uri",
            "does not match the pattern",
        ),
        (
            {"stopping_condition": StoppingCondition(max_runtime_in_seconds=30 * 86400)},
            "stopping_condition.max_runtime_in_seconds",
            "at most 28 days",
        ),
        (
            {"compute": Compute(instance_type="ml.m5.xlarge", enable_managed_spot_training=True)},
            "stopping_condition.max_wait_time_in_seconds",
            "managed spot training needs a maximum wait",
        ),
        ({"compute": Compute(instance_type="ml.banana.large")}, "compute.instance_type", "is not one of"),
        ({"kms_key_id": "k" * 2049}, "kms_key_id", "at most 2048 characters"),
        (
            {"extra": {"experiment_config": {"experiment_name": "bad name"}}},
            "extra.experiment_config.experiment_name",
            "",
        ),
        ({"tags": {"aws:team": "ml"}}, "tags.aws:team", "reserved by AWS"),
    ],
)
def test_a_request_sagemaker_would_refuse_is_refused_naming_the_argument(
    overrides: dict[str, Any], field: str, reason: str
) -> None:
    message = _refused(lambda: _job(**overrides))
    assert message.startswith("TrainingJob churn-train: ")
    assert f"{field}: " in message and reason in message, message


def test_values_not_known_yet_are_not_refused() -> None:
    """A secret or another resource's Output is checked by the provider once it is known."""
    run = run_program(
        lambda: (
            _job(
                role_arn=aws.iam.Role("r", assume_role_policy="{}").arn,
                hyperparameters={"token": pulumi.Output.secret("AKIAIOSFODNN7EXAMPLE")},
            )
            and None
        )
    )
    assert run.named("churn-train-job")


def test_a_misspelt_argument_says_what_was_meant_once() -> None:
    with pytest.raises(ValidationError) as refused:
        TrainingJob(
            "c",
            image_uri=IMAGE,
            rol_arn="arn:aws:iam::123456789012:role/SageMakerExecutionRole",
            compute=Compute(instance_type="ml.m5.xlarge"),
            output_data_config=OutputDataConfig(s3_output_path="s3://data/output"),
        )
    [error] = refused.value.errors()  # not also "role_arn: Field required"
    assert (error["loc"], error["msg"]) == (("rol_arn",), "Extra inputs are not permitted; did you mean 'role_arn'?")


@pytest.mark.parametrize(
    ("build", "location"),
    [
        (lambda: Compute(instance_count=2), ("instance_type",)),
        (lambda: Networking(subnets=["subnet-1"]), ("security_group_ids",)),
        (lambda: _job(algorithm_name="xgboost"), ("algorithm_name",)),
    ],
)
def test_a_cross_field_rule_is_located_at_a_field(build: Callable[[], Any], location: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as refused:
        build()
    assert [error["loc"] for error in refused.value.errors()] == [location]
