"""The ModelPackage provider through Pulumi's own provider host, against the local AWS."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from components.providers.model_package import ModelPackageProvider
from sagestack.testing.local_aws import LocalAws
from sagestack.testing.provider_host import Deployment, ProviderError, ProviderHost, interrupt_up
from tests.sagemaker_requests import IMAGE, model_package

QUICK = {"pending": 0.2, "in_progress": 0.3, "deleting": 0.2}


def package_inputs(image: str = IMAGE, **overrides: Any) -> dict[str, Any]:
    request = model_package("churn")
    request["InferenceSpecification"]["Containers"][0]["Image"] = image
    inputs: dict[str, Any] = {"logical_name": "churn-model", "request": request, "customer_metadata": {"team": "ml"}}
    inputs.update(overrides)
    return inputs


@pytest.fixture
def registry_aws(aws: LocalAws) -> LocalAws:
    aws.set_durations({"model_package": QUICK})
    aws.client("sagemaker").create_model_package_group(ModelPackageGroupName="churn")
    return aws


def test_two_versions_then_approve_and_reject_in_place(provider_host: ProviderHost, registry_aws: LocalAws) -> None:
    first = Deployment(provider_host).up("v1", ModelPackageProvider(), package_inputs(logical_name="v1"))
    deployment = Deployment(provider_host)
    second = deployment.up("v2", ModelPackageProvider(), package_inputs(logical_name="v2"))
    assert (first.state.outputs["version"], second.state.outputs["version"]) == (1, 2)
    assert second.state.outputs["status"] == "Completed"
    assert second.state.outputs["approval_status"] == "PendingManualApproval"
    assert second.state.outputs["group_name"] == "churn"
    registry_aws.clear_calls()

    approved = deployment.up(
        "v2", ModelPackageProvider(), package_inputs(logical_name="v2", approval_status="Approved")
    )
    assert approved.operation == "update" and approved.state.id == second.state.id
    assert approved.state.outputs["approval_status"] == "Approved"
    calls = registry_aws.calls()
    assert calls["sagemaker:UpdateModelPackage"] == 1 and "sagemaker:CreateModelPackage" not in calls

    rejected = deployment.up(
        "v2",
        ModelPackageProvider(),
        package_inputs(logical_name="v2", approval_status="Rejected", approval_description="AUC regressed"),
    )
    live = registry_aws.client("sagemaker").describe_model_package(ModelPackageName=second.state.id)
    assert rejected.state.outputs["approval_status"] == live["ModelApprovalStatus"] == "Rejected"
    assert live["ApprovalDescription"] == "AUC regressed"


def test_metadata_is_set_and_removed_in_place(deployment: Deployment, registry_aws: LocalAws) -> None:
    deployment.up("pkg", ModelPackageProvider(), package_inputs(customer_metadata={"team": "ml", "stale": "1"}))
    step = deployment.up(
        "pkg", ModelPackageProvider(), package_inputs(customer_metadata={"team": "ml", "commit": "abc"})
    )
    assert step.operation == "update"
    live = registry_aws.client("sagemaker").describe_model_package(ModelPackageName=step.state.id)
    assert live["CustomerMetadataProperties"] == {"team": "ml", "commit": "abc"}


def test_refresh_picks_up_an_approval_made_outside(deployment: Deployment, registry_aws: LocalAws) -> None:
    step = deployment.up("pkg", ModelPackageProvider(), package_inputs())
    registry_aws.client("sagemaker").update_model_package(ModelPackageArn=step.state.id, ModelApprovalStatus="Approved")
    refreshed = deployment.refresh("pkg")
    assert refreshed is not None and refreshed.outputs["approval_status"] == "Approved"
    diff = deployment.preview("pkg", ModelPackageProvider(), package_inputs())
    assert diff is not None and diff.changes == "some" and diff.replaces == [], "the next up says it will revert"


def test_changed_image_registers_a_new_version(deployment: Deployment, registry_aws: LocalAws) -> None:
    first = deployment.up("pkg", ModelPackageProvider(), package_inputs())
    replaced = deployment.up("pkg", ModelPackageProvider(), package_inputs(image=IMAGE.replace("1.7-1", "1.7-2")))
    assert replaced.operation == "replace" and replaced.diff is not None and "request" in replaced.diff.replaces
    assert replaced.state.outputs["version"] == 2
    listed = registry_aws.client("sagemaker").list_model_packages(ModelPackageGroupName="churn")
    assert [p["ModelPackageArn"] for p in listed["ModelPackageSummaryList"]] == [replaced.state.id]
    assert first.state.id != replaced.state.id


def versions(aws: LocalAws) -> dict[str, str]:
    listed = aws.client("sagemaker").list_model_packages(ModelPackageGroupName="churn")["ModelPackageSummaryList"]
    return {p["ModelPackageArn"].rsplit("/", 1)[-1]: p["ModelApprovalStatus"] for p in listed}


def test_a_replace_keeps_the_approved_version_other_stacks_serve(
    deployment: Deployment, registry_aws: LocalAws
) -> None:
    """dev registers a new artifact; prod still serves version 1 by ARN."""
    deployment.up("pkg", ModelPackageProvider(), package_inputs(approval_status="Approved"))
    retrained = package_inputs(image=IMAGE.replace("1.7-1", "1.7-2"), approval_status="Approved")
    assert deployment.up("pkg", ModelPackageProvider(), retrained).operation == "replace"
    assert versions(registry_aws) == {"1": "Approved", "2": "Approved"}
    assert "sagemaker:DeleteModelPackage" not in registry_aws.calls()


@pytest.mark.parametrize("approval", ["Approved", "Rejected"])
def test_destroy_keeps_decided_versions_unless_opted_in(
    deployment: Deployment, registry_aws: LocalAws, approval: str
) -> None:
    deployment.up("kept", ModelPackageProvider(), package_inputs(approval_status=approval))
    deployment.destroy("kept")
    assert versions(registry_aws) == {"1": approval}
    other = package_inputs(image=IMAGE.replace("1.7-1", "1.7-2"), approval_status=approval, delete_approved=True)
    assert deployment.up("opted-in", ModelPackageProvider(), other).state.id.endswith("/2")
    deployment.destroy("opted-in")
    assert versions(registry_aws) == {"1": approval}  # version 2 deleted, as opted in


def test_delete_removes_the_version(deployment: Deployment, registry_aws: LocalAws) -> None:
    step = deployment.up("pkg", ModelPackageProvider(), package_inputs())
    deployment.destroy("pkg")
    sm = registry_aws.client("sagemaker")
    assert sm.list_model_packages(ModelPackageGroupName="churn")["ModelPackageSummaryList"] == []
    assert registry_aws.calls()["sagemaker:DeleteModelPackage"] == 1
    assert step.state.id.endswith("/1")


def test_interrupted_create_retried_registers_no_second_version(registry_aws: LocalAws) -> None:
    registry_aws.set_durations({"model_package": {**QUICK, "in_progress": 600}})
    interrupt_up(
        registry_aws.env(),
        "pkg",
        ModelPackageProvider(),
        package_inputs(),
        started=lambda: registry_aws.calls().get("sagemaker:CreateModelPackage", 0) > 0,
    )
    registry_aws.advance_clock(600)
    with ProviderHost(env=registry_aws.env()) as second:
        second.configure({"aws:region": "us-west-2"})
        step = Deployment(second).up("pkg", ModelPackageProvider(), package_inputs())
    assert step.state.outputs["version"] == 1 and step.state.outputs["status"] == "Completed"
    listed = registry_aws.client("sagemaker").list_model_packages(ModelPackageGroupName="churn")
    assert len(listed["ModelPackageSummaryList"]) == 1


def test_failed_validation_surfaces_the_reason(deployment: Deployment, registry_aws: LocalAws) -> None:
    registry_aws.fail_resource("model_package", "Container failed the ping health check")
    with pytest.raises(ProviderError) as failed:
        deployment.up("pkg", ModelPackageProvider(), package_inputs())
    assert "ended Failed" in failed.value.details
    assert "FailureReason: ValidationStatuses churn: Container failed the ping health check" in failed.value.details
    assert deployment.resources == {}


def test_a_token_that_names_a_deleted_version_registers_afresh() -> None:
    """If SageMaker answers a repeated ClientToken with a version deleted since (a destroy, then
    the same request again), the provider registers a new version under a derived token."""
    provider = ModelPackageProvider()
    provider.aws.region = "us-west-2"
    client = provider.aws.client("sagemaker")
    deleted, fresh = (f"arn:aws:sagemaker:us-west-2:123456789012:model-package/churn/{n}" for n in (1, 2))
    normalized = provider.normalize(package_inputs())[0]
    inputs = normalized | provider.computed(normalized)
    completed = {
        "ModelPackageName": "churn",
        "ModelPackageArn": fresh,
        "ModelPackageStatus": "Completed",
        "CreationTime": 1_750_000_000,
        "ModelApprovalStatus": "PendingManualApproval",
        "ModelPackageStatusDetails": {"ValidationStatuses": []},
    }
    with Stubber(client) as stub:
        stub.add_response(
            "create_model_package",
            {"ModelPackageArn": deleted},
            {**provider.full_request(inputs), "ClientToken": inputs["client_token"]},
        )
        stub.add_client_error(
            "describe_model_package", "ValidationException", f"ModelPackage {deleted} does not exist."
        )
        stub.add_response("create_model_package", {"ModelPackageArn": fresh})
        stub.add_response("describe_model_package", completed)
        arn, outputs = provider.create_resource(inputs)
    assert arn == fresh and outputs["status"] == "Completed"
