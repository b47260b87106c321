"""ModelRegistry and ModelPackage under Pulumi's mocks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi.runtime.mocks import MockResourceArgs
from pydantic import ValidationError

from components import Compute, ModelMetadata, ModelMetrics, ModelPackage, ModelRegistry, OutputDataConfig, TrainingJob
from components.providers.model_package import ModelPackageInputs, ModelPackageProvider
from sagestack.testing.mocks import PlatformMocks, run_program
from tests.refusals import refused

IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/xgboost:1.7-1"
GROUP_ARN = "arn:aws:sagemaker:us-west-2:123456789012:model-package-group/churn"


def _outputs(args: MockResourceArgs) -> dict[str, Any]:
    if args.typ == "aws:sagemaker/modelPackageGroup:ModelPackageGroup":
        return {"arn": GROUP_ARN}
    if args.typ == "pulumi-python:dynamic/sagemaker:TrainingJob":
        return {"model_artifacts": "s3://data/output/churn-train/output/model.tar.gz", "status": "Completed"}
    return {}


MOCKS = PlatformMocks(_outputs)


def test_registry_shares_read_access_with_exactly_the_listed_accounts() -> None:
    run = run_program(
        lambda: ModelRegistry("churn", share_with_accounts=["111111111111", "222222222222"]) and None, mocks=MOCKS
    )
    component = run.named("churn")
    group, policy = run.named("churn-group"), run.named("churn-sharing")
    assert run.children_of(component) == [group, policy]
    assert group.inputs["modelPackageGroupName"] == "churn"
    assert policy.inputs["modelPackageGroupName"] == "churn"
    assert json.loads(policy.inputs["resourcePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CrossAccountRead",
                "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"]},
                "Action": [
                    "sagemaker:DescribeModelPackage",
                    "sagemaker:DescribeModelPackageGroup",
                    "sagemaker:ListModelPackages",
                ],
                "Resource": [GROUP_ARN, "arn:aws:sagemaker:us-west-2:123456789012:model-package/churn/*"],
            }
        ],
    }


def test_registry_without_sharing_has_no_policy() -> None:
    run = run_program(
        lambda: ModelRegistry("churn", description="churn models", tags={"team": "ml"}) and None, mocks=MOCKS
    )
    assert [r.name for r in run.children_of(run.named("churn"))] == ["churn-group"]
    assert run.named("churn-group").inputs["tags"] == {"team": "ml"}


def test_registry_refuses_bad_account_ids() -> None:
    with pytest.raises(ValidationError, match="12-digit") as refused:
        run_program(lambda: ModelRegistry("churn", share_with_accounts=["12345"]) and None, mocks=MOCKS)
    [error] = refused.value.errors()
    assert error["loc"] == ("share_with_accounts",), "located at the argument, not at the whole model"


def _refused(build: Callable[[], Any]) -> str:
    return refused(build, _outputs)


@pytest.mark.parametrize(
    ("arguments", "field", "reason"),
    [
        ({"tags": {"aws:team": "ml"}}, "tags.aws:team", "reserved by AWS"),
        ({"tags": {"AWS:Team": "ml"}}, "tags.AWS:Team", "reserved by AWS"),
        ({"tags": {"team": "x" * 257}}, "tags.team", "at most 256 characters"),
        ({"tags": {"k" * 129: "v"}}, f"tags.{'k' * 129}", "at most 128 characters"),
        ({"tags": {f"t{n}": "v" for n in range(51)}}, "tags", "at most 50 tags"),
    ],
)
def test_registry_refuses_what_the_group_request_may_not_hold(
    arguments: dict[str, Any], field: str, reason: str
) -> None:
    message = _refused(lambda: ModelRegistry("churn", **arguments))
    assert message.startswith("ModelRegistry churn: ")
    assert f"{field}: " in message and reason in message, message


def test_registry_reports_every_violation_at_once() -> None:
    message = _refused(lambda: ModelRegistry("churn", tags={"aws:team": "ml", "owner": "x" * 300}))
    assert "tags.aws:team: " in message and "tags.owner: " in message


def test_registry_names_a_description_over_the_limit() -> None:
    with pytest.raises(ValidationError) as refused:
        ModelRegistry("churn", description="d" * 1025)
    assert [error["loc"] for error in refused.value.errors()] == [("description",)]


def test_registry_with_a_misspelt_argument_says_what_was_meant() -> None:
    with pytest.raises(ValidationError) as refused:
        ModelRegistry("churn", share_with_acounts=["111111111111"])
    [error] = refused.value.errors()
    assert error["msg"] == "Extra inputs are not permitted; did you mean 'share_with_accounts'?"


def test_package_takes_image_and_artifacts_from_a_training_job() -> None:
    def program() -> None:
        registry = ModelRegistry("churn")
        job = TrainingJob(
            "churn-train",
            image_uri=IMAGE,
            role_arn="arn:aws:iam::123456789012:role/SageMakerExecutionRole",
            compute=Compute(instance_type="ml.m5.xlarge"),
            output_data_config=OutputDataConfig(s3_output_path="s3://data/output"),
        )
        ModelPackage(
            "churn-model",
            registry=registry,
            model_source=job,
            supported_realtime_inference_instance_types=["ml.m5.large"],
            approval_status="Approved",
            customer_metadata={"auc": "0.91"},
            metadata=ModelMetadata(commit_id="abc123", repository="github.com/acme/churn"),
            model_metrics=ModelMetrics(model_quality_statistics="s3://data/eval/statistics.json"),
            domain="MACHINE_LEARNING",
            task="CLASSIFICATION",
        )

    run = run_program(program, mocks=MOCKS)
    package = run.named("churn-model-version")
    assert package.type == "pulumi-python:dynamic/sagemaker:ModelPackage"
    assert package.parent == run.named("churn-model").urn
    request = package.inputs["request"]
    assert request["ModelPackageGroupName"] == "churn"
    assert request["InferenceSpecification"]["Containers"] == [
        {"Image": IMAGE, "ModelDataUrl": "s3://data/output/churn-train/output/model.tar.gz"}
    ]
    assert request["InferenceSpecification"]["SupportedRealtimeInferenceInstanceTypes"] == ["ml.m5.large"]
    assert request["MetadataProperties"] == {"CommitId": "abc123", "Repository": "github.com/acme/churn"}
    assert request["ModelMetrics"] == {
        "ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": "s3://data/eval/statistics.json"}}
    }
    assert (request["Domain"], request["Task"]) == ("MACHINE_LEARNING", "CLASSIFICATION")
    assert "ModelApprovalStatus" not in request, "approval is an in-place input, not part of the version"
    assert (package.inputs["approval_status"], package.inputs["customer_metadata"]) == ("Approved", {"auc": "0.91"})


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "set exactly one of registry and group_name"),
        ({"group_name": "churn", "registry_too": True}, "set exactly one of registry and group_name"),
        ({"group_name": "churn", "package_name": "churn"}, "or package_name \\(an unversioned package\\)"),
        ({"group_name": "churn", "no_image": True}, "set image_uri"),
    ],
)
def test_package_arguments_are_checked_before_registration(arguments: dict[str, Any], message: str) -> None:
    def program() -> None:
        registry = ModelRegistry("churn") if arguments.get("registry_too") else None
        image = None if arguments.get("no_image") else IMAGE
        ModelPackage(
            "pkg",
            registry=registry,
            group_name=arguments.get("group_name"),
            package_name=arguments.get("package_name"),
            image_uri=image,
        )

    with pytest.raises(ValidationError, match=message) as refused:
        run_program(program, mocks=MOCKS)
    [error] = refused.value.errors()
    assert error["loc"] in [("registry",), ("group_name",), ("package_name",), ("image_uri",)], "names a field"


def test_package_outputs_are_registered() -> None:
    def program() -> pulumi.Output[Any]:
        package = ModelPackage("pkg", group_name="churn", image_uri=IMAGE, model_data_url="s3://m/model.tar.gz")
        return package.arn

    run = run_program(program, mocks=MOCKS)
    assert run.named("pkg").outputs is not None
    assert run.result == "arn:aws:mock:us-west-2:123456789012:modelpackage/pkg-version"


def test_customer_metadata_may_hold_a_secret_outside_the_client_token() -> None:
    """Metadata changes in place and is not part of the version's ClientToken (plain in the state)."""

    def program(value: Any) -> Any:
        return ModelPackage("m", group_name="churn", image_uri=IMAGE, customer_metadata={"eval_key": value})

    secret = run_program(lambda: program(pulumi.Output.secret("k3y")), mocks=MOCKS).named("m-version").inputs
    plain = run_program(lambda: program("other"), mocks=MOCKS).named("m-version").inputs
    assert secret["customer_metadata"]["value"] == {"eval_key": "k3y"}  # marked secret as a whole under mocks
    assert secret["request"] == plain["request"] and secret.get("client_token") == plain.get("client_token")


def test_a_secret_in_the_container_environment_is_refused_with_the_reason() -> None:
    """A version's environment is stored in plain text and shared with every reader of the
    registry: a secret there is refused (while an Output of another resource is fine)."""

    def program(value: Any) -> Any:
        return ModelPackage("m", group_name="churn", image_uri=IMAGE, environment={"TOKEN": value}).arn

    with pytest.raises(Exception, match=r"ModelPackage m: environment.TOKEN is a Pulumi secret.*ModelEndpoint"):
        run_program(lambda: program(pulumi.Output.secret("t0ken")), mocks=MOCKS)
    sent = run_program(lambda: program(pulumi.Output.from_input("plain")), mocks=MOCKS).named("m-version").inputs
    [container] = sent["request"]["InferenceSpecification"]["Containers"]
    assert container["Environment"] == {"TOKEN": "plain"}


# ---- unversioned packages (package_name) ----


def test_an_unversioned_package_is_named_with_no_group_no_approval_and_its_tags() -> None:
    run = run_program(
        lambda: ModelPackage("flowers", package_name="flowers", image_uri=IMAGE, tags={"team": "ml"}).arn,
        mocks=MOCKS,
    )
    inputs = run.named("flowers-version").inputs
    assert inputs["request"]["ModelPackageName"] == "flowers"
    assert "ModelPackageGroupName" not in inputs["request"]
    assert inputs.get("approval_status") is None, "approval does not apply to an unversioned package"
    assert inputs["tags"] == {"team": "ml"}


@pytest.mark.parametrize(
    ("arguments", "loc", "reason"),
    [
        ({"group_name": "churn"}, "package_name", "set exactly one of registry and group_name"),
        ({"approval_status": "Approved"}, "approval_status", "an unversioned package (package_name) has no approval"),
        ({"package_name": "bad_name"}, "package_name", "should match pattern"),
    ],
)
def test_unversioned_package_arguments_are_refused_naming_the_field(
    arguments: dict[str, Any], loc: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        run_program(
            lambda: ModelPackage("pkg", **{"package_name": "pkg", "image_uri": IMAGE, **arguments}), mocks=MOCKS
        )
    [error] = refused.value.errors()
    assert error["loc"] == (loc,) and reason in error["msg"]


def test_a_package_of_an_algorithm_sends_no_inference_specification_of_its_own() -> None:
    """SageMaker takes the inference specification of the algorithm a package names."""
    algorithm = {"source_algorithms": [{"algorithm_name": "trees", "model_data_url": "s3://m/model.tar.gz"}]}
    run = run_program(
        lambda: ModelPackage("trees", package_name="trees", extra={"source_algorithm_specification": algorithm}).arn,
        mocks=MOCKS,
    )
    request = run.named("trees-version").inputs["request"]
    assert "InferenceSpecification" not in request
    assert request["SourceAlgorithmSpecification"] == {
        "SourceAlgorithms": [{"AlgorithmName": "trees", "ModelDataUrl": "s3://m/model.tar.gz"}]
    }


def test_an_unversioned_package_is_replaced_by_deleting_it_first() -> None:
    """Its replacement takes the same ModelPackageName: the old one must go first. A version in a
    group is replaced by a new version, created before the old one is deleted."""
    provider = ModelPackageProvider()
    unversioned = {"logical_name": "p", "request": {"ModelPackageName": "p", "ModelPackageDescription": "a"}}
    changed = {**unversioned, "request": {**unversioned["request"], "ModelPackageDescription": "b"}}
    result = provider.diff("arn", unversioned, changed)
    assert (result.replaces, result.delete_before_replace) == (["request"], True)
    retagged = provider.diff("arn", {**unversioned, "tags": {"a": "1"}}, {**unversioned, "tags": {"a": "2"}})
    assert (retagged.replaces, retagged.delete_before_replace) == (["tags"], True), "tags are sent only at create"
    versioned = {"logical_name": "p", "request": {"ModelPackageGroupName": "g", "ModelPackageDescription": "a"}}
    result = provider.diff("arn", versioned, {**versioned, "request": {**versioned["request"], "Domain": "NLP"}})
    assert (result.replaces, result.delete_before_replace) == (["request"], False)


def test_an_unversioned_package_is_checked_without_an_approval_status() -> None:
    inputs = ModelPackageInputs.model_validate({"request": {"ModelPackageName": "p"}})
    assert inputs.approval_status is None
    versioned = ModelPackageInputs.model_validate({"request": {"ModelPackageGroupName": "g"}})
    assert versioned.approval_status == "PendingManualApproval"
