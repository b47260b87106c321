"""The FeatureGroup provider through Pulumi's own provider host, against the local AWS."""

from __future__ import annotations

from typing import Any

import pytest

from components.providers.feature_group import FeatureGroupProvider
from sagestack.testing.local_aws import LocalAws
from sagestack.testing.provider_host import CheckFailed, Deployment, ProviderError
from tests.sagemaker_requests import ROLE

QUICK = {"creating": 0.3, "updating": 0.3, "deleting": 0.2}
FEATURES = [
    {"FeatureName": "customer_id", "FeatureType": "String"},
    {"FeatureName": "event_time", "FeatureType": "Fractional"},
    {"FeatureName": "age", "FeatureType": "Integral"},
]


def group_inputs(features: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "feature_group_name": "customers",
        "record_identifier": "customer_id",
        "event_time": "event_time",
        "features": features if features is not None else FEATURES,
        "online_store": {"EnableOnlineStore": True, "TtlDuration": {"Unit": "Days", "Value": 30}},
        "offline_store": {"S3StorageConfig": {"S3Uri": "s3://data/feature-store"}},
        "role_arn": ROLE,
        "tags": {"team": "ml"},
    }
    inputs.update(overrides)
    return inputs


@pytest.fixture
def fs_aws(aws: LocalAws) -> LocalAws:
    aws.set_durations({"feature_group": QUICK})
    return aws


def test_create_then_grow_in_place(deployment: Deployment, fs_aws: LocalAws) -> None:
    created = deployment.up("fg", FeatureGroupProvider(), group_inputs())
    outputs = created.state.outputs
    assert outputs["status"] == "Created" and outputs["offline_store_status"] == "Active"
    assert outputs["offline_store_resolved_s3_uri"].startswith("s3://data/feature-store/123456789012/sagemaker/")
    assert outputs["glue_table"].startswith("sagemaker_featurestore.customers_")
    fs_aws.clear_calls()

    grown = [
        *FEATURES,
        {"FeatureName": "tenure", "FeatureType": "Integral"},
        {"FeatureName": "plan", "FeatureType": "String"},
    ]
    step = deployment.up("fg", FeatureGroupProvider(), group_inputs(grown))
    assert step.operation == "update" and step.state.id == created.state.id
    calls = fs_aws.calls()
    assert calls["sagemaker:UpdateFeatureGroup"] == 1
    assert "sagemaker:DeleteFeatureGroup" not in calls and "sagemaker:CreateFeatureGroup" not in calls
    live = fs_aws.client("sagemaker").describe_feature_group(FeatureGroupName="customers")
    assert [f["FeatureName"] for f in live["FeatureDefinitions"]][-2:] == ["tenure", "plan"]

    online = {"EnableOnlineStore": True, "TtlDuration": {"Unit": "Hours", "Value": 12}}
    step = deployment.up("fg", FeatureGroupProvider(), group_inputs(grown, online_store=online))
    assert step.operation == "update"
    live = fs_aws.client("sagemaker").describe_feature_group(FeatureGroupName="customers")
    assert live["OnlineStoreConfig"]["TtlDuration"] == {"Unit": "Hours", "Value": 12}
    assert fs_aws.calls()["sagemaker:UpdateFeatureGroup"] == 2


def test_removing_a_feature_is_refused_and_changes_nothing(deployment: Deployment, fs_aws: LocalAws) -> None:
    deployment.up("fg", FeatureGroupProvider(), group_inputs())
    fs_aws.clear_calls()
    with pytest.raises(CheckFailed) as refused:
        deployment.up("fg", FeatureGroupProvider(), group_inputs(FEATURES[:2]))
    [(prop, reason)] = refused.value.failures
    assert prop == "features"
    assert "removes ['age']" in reason and "cannot remove" in reason and "deletes all of its records" in reason
    assert "allow_replace=True" in reason
    assert not [call for call in fs_aws.calls() if call.startswith("sagemaker:")]

    with pytest.raises(CheckFailed, match="record_identifier: is part of the feature group's identity"):
        deployment.up("fg", FeatureGroupProvider(), group_inputs(record_identifier="age"))


def test_with_the_opt_in_it_replaces(deployment: Deployment, fs_aws: LocalAws) -> None:
    deployment.up("fg", FeatureGroupProvider(), group_inputs())
    step = deployment.up("fg", FeatureGroupProvider(), group_inputs(FEATURES[:2], allow_replace=True))
    assert step.operation == "replace" and step.diff is not None
    assert step.diff.replaces == ["features"] and step.diff.delete_before_replace
    live = fs_aws.client("sagemaker").describe_feature_group(FeatureGroupName="customers")
    assert [f["FeatureName"] for f in live["FeatureDefinitions"]] == ["customer_id", "event_time"]
    assert fs_aws.calls()["sagemaker:DeleteFeatureGroup"] == 1


def test_a_feature_added_outside_shows_as_drift(deployment: Deployment, fs_aws: LocalAws) -> None:
    deployment.up("fg", FeatureGroupProvider(), group_inputs())
    fs_aws.client("sagemaker").update_feature_group(
        FeatureGroupName="customers", FeatureAdditions=[{"FeatureName": "churned", "FeatureType": "Integral"}]
    )
    fs_aws.advance_clock(5)
    refreshed = deployment.refresh("fg")
    assert refreshed is not None and [f["FeatureName"] for f in refreshed.outputs["features"]][-1] == "churned"
    diff = deployment.preview("fg", FeatureGroupProvider(), group_inputs())
    assert diff is not None and diff.changes == "some"
    with pytest.raises(ProviderError, match=r"features \['churned'\] exist in SageMaker but not in the program"):
        deployment.up("fg", FeatureGroupProvider(), group_inputs())


def test_create_failed_leaves_nothing_behind(deployment: Deployment, fs_aws: LocalAws) -> None:
    fs_aws.fail_resource("feature_group", "Access denied to s3://data/feature-store", name="customers")
    with pytest.raises(ProviderError) as failed:
        deployment.up("fg", FeatureGroupProvider(), group_inputs())
    assert "CreateFailed and was deleted" in failed.value.details
    assert "FailureReason: Access denied to s3://data/feature-store" in failed.value.details
    assert fs_aws.client("sagemaker").list_feature_groups()["FeatureGroupSummaries"] == []


def test_delete_waits_until_gone(deployment: Deployment, fs_aws: LocalAws) -> None:
    deployment.up("fg", FeatureGroupProvider(), group_inputs())
    deployment.destroy("fg")
    assert fs_aws.client("sagemaker").list_feature_groups()["FeatureGroupSummaries"] == []


def test_throttling_is_survived(deployment: Deployment, fs_aws: LocalAws) -> None:
    fs_aws.fail_calls("sagemaker:DescribeFeatureGroup", count=3)
    fs_aws.fail_calls("sagemaker:CreateFeatureGroup", count=1)
    assert deployment.up("fg", FeatureGroupProvider(), group_inputs()).state.outputs["status"] == "Created"
    assert fs_aws.calls()["sagemaker:CreateFeatureGroup"] == 2
