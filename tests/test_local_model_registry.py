"""The local AWS: model package groups and versioned, approvable model packages; tags."""

from __future__ import annotations

from typing import Any

import pytest

from sagestack.testing.local_aws import LocalAws
from tests.aws_errors import aws_error
from tests.sagemaker_requests import model_package, training_job


@pytest.fixture
def sm(frozen_aws: LocalAws) -> Any:
    frozen_aws.set_durations({"model_package": {"pending": 5, "in_progress": 20, "deleting": 5}})
    client = frozen_aws.client("sagemaker")
    client.create_model_package_group(ModelPackageGroupName="churn", ModelPackageGroupDescription="churn models")
    return client


def test_versions_count_up_and_complete(sm: Any, frozen_aws: LocalAws) -> None:
    first = sm.create_model_package(**model_package())["ModelPackageArn"]
    second = sm.create_model_package(**model_package())["ModelPackageArn"]
    assert first.endswith(":model-package/churn/1") and second.endswith(":model-package/churn/2")
    statuses = []
    for step in (0, 5, 20):
        frozen_aws.advance_clock(step)
        statuses.append(sm.describe_model_package(ModelPackageName=first)["ModelPackageStatus"])
    assert statuses == ["Pending", "InProgress", "Completed"]
    package = sm.describe_model_package(ModelPackageName=second)
    assert (package["ModelPackageGroupName"], package["ModelPackageVersion"]) == ("churn", 2)
    assert package["ModelApprovalStatus"] == "PendingManualApproval"
    assert package["InferenceSpecification"]["SupportedContentTypes"] == ["text/csv"]


def test_client_token_makes_create_idempotent(sm: Any) -> None:
    arn = sm.create_model_package(**model_package(ClientToken="tok-1"))["ModelPackageArn"]
    assert sm.create_model_package(**model_package(ClientToken="tok-1"))["ModelPackageArn"] == arn
    listed = sm.list_model_packages(ModelPackageGroupName="churn")["ModelPackageSummaryList"]
    assert [p["ModelPackageArn"] for p in listed] == [arn]
    code, _ = aws_error(sm.create_model_package, **model_package(ClientToken="tok-1", ModelPackageDescription="other"))
    assert code == "ConflictException"


def test_update_approves_and_edits_metadata(sm: Any, frozen_aws: LocalAws) -> None:
    arn = sm.create_model_package(**model_package(CustomerMetadataProperties={"team": "ml", "stale": "x"}))[
        "ModelPackageArn"
    ]
    frozen_aws.advance_clock(25)
    sm.update_model_package(
        ModelPackageArn=arn,
        ModelApprovalStatus="Approved",
        ApprovalDescription="passed offline eval",
        CustomerMetadataProperties={"commit": "abc123"},
        CustomerMetadataPropertiesToRemove=["stale"],
    )
    package = sm.describe_model_package(ModelPackageName=arn)
    assert (package["ModelApprovalStatus"], package["ApprovalDescription"]) == ("Approved", "passed offline eval")
    assert package["CustomerMetadataProperties"] == {"team": "ml", "commit": "abc123"}
    approved = sm.list_model_packages(ModelPackageGroupName="churn", ModelApprovalStatus="Approved")
    assert [p["ModelPackageArn"] for p in approved["ModelPackageSummaryList"]] == [arn]


def test_additional_inference_specifications_are_capped_at_15(sm: Any) -> None:
    arn = sm.create_model_package(**model_package())["ModelPackageArn"]
    spec = {"Name": "spec", "Containers": [{"Image": "123456789012.dkr.ecr.us-west-2.amazonaws.com/x:1"}]}
    sm.update_model_package(
        ModelPackageArn=arn, AdditionalInferenceSpecificationsToAdd=[{**spec, "Name": f"s{i}"} for i in range(15)]
    )
    code, message = aws_error(
        sm.update_model_package, ModelPackageArn=arn, AdditionalInferenceSpecificationsToAdd=[spec]
    )
    assert code == "ValidationException" and "15" in message


def test_failed_validation_is_reported(sm: Any, frozen_aws: LocalAws) -> None:
    frozen_aws.fail_resource("model_package", "Image scan found CRITICAL vulnerabilities")
    arn = sm.create_model_package(**model_package())["ModelPackageArn"]
    frozen_aws.advance_clock(25)
    package = sm.describe_model_package(ModelPackageName=arn)
    assert package["ModelPackageStatus"] == "Failed"
    [validation] = package["ModelPackageStatusDetails"]["ValidationStatuses"]
    assert validation["FailureReason"] == "Image scan found CRITICAL vulnerabilities"


def test_delete_package_then_group(sm: Any, frozen_aws: LocalAws) -> None:
    arn = sm.create_model_package(**model_package())["ModelPackageArn"]
    assert aws_error(sm.delete_model_package_group, ModelPackageGroupName="churn")[0] == "ConflictException"
    sm.delete_model_package(ModelPackageName=arn)
    assert sm.describe_model_package(ModelPackageName=arn)["ModelPackageStatus"] == "Deleting"
    frozen_aws.advance_clock(5)
    code, message = aws_error(sm.describe_model_package, ModelPackageName=arn)
    assert (code, message) == ("ValidationException", f"ModelPackage {arn} does not exist.")
    sm.delete_model_package_group(ModelPackageGroupName="churn")
    code, message = aws_error(sm.describe_model_package_group, ModelPackageGroupName="churn")
    assert code == "ValidationException" and message.endswith("model-package-group/churn does not exist.")


def test_package_rules(sm: Any) -> None:
    code, message = aws_error(sm.create_model_package, **model_package(group="nope"))
    assert code == "ValidationException" and "does not exist" in message
    code, message = aws_error(sm.create_model_package, **model_package(Tags=[{"Key": "a", "Value": "b"}]))
    assert code == "ValidationException" and "Tags" in message
    groups = sm.list_model_package_groups()["ModelPackageGroupSummaryList"]
    assert [(g["ModelPackageGroupName"], g["ModelPackageGroupDescription"]) for g in groups] == [
        ("churn", "churn models")
    ]


def test_tags_add_list_delete_by_arn(sm: Any) -> None:
    arn = sm.create_training_job(**training_job("tagged", Tags=[{"Key": "team", "Value": "ml"}]))["TrainingJobArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "cost-center", "Value": "42"}, {"Key": "team", "Value": "platform"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "platform"},
        {"Key": "cost-center", "Value": "42"},
    ]
    sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "cost-center", "Value": "42"}]
    group_arn = sm.describe_model_package_group(ModelPackageGroupName="churn")["ModelPackageGroupArn"]
    sm.add_tags(ResourceArn=group_arn, Tags=[{"Key": "owner", "Value": "ml"}])
    assert sm.list_tags(ResourceArn=group_arn)["Tags"] == [{"Key": "owner", "Value": "ml"}]
    missing = arn.replace("tagged", "missing")
    assert aws_error(sm.list_tags, ResourceArn=missing)[0] == "ValidationException"
