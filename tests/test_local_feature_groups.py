"""The local AWS: feature groups create, update in place, fail and delete like Feature Store."""

from __future__ import annotations

from typing import Any

import pytest

from sagestack.testing.local_aws import LocalAws
from tests.aws_errors import aws_error
from tests.sagemaker_requests import feature_group


@pytest.fixture
def sm(frozen_aws: LocalAws) -> Any:
    frozen_aws.set_durations({"feature_group": {"creating": 600, "updating": 60, "deleting": 30}})
    return frozen_aws.client("sagemaker")


def test_offline_group_creates_with_resolved_store(sm: Any, frozen_aws: LocalAws) -> None:
    sm.create_feature_group(**feature_group("customers"))
    assert sm.describe_feature_group(FeatureGroupName="customers")["FeatureGroupStatus"] == "Creating"
    frozen_aws.advance_clock(600)
    group = sm.describe_feature_group(FeatureGroupName="customers")
    assert group["FeatureGroupStatus"] == "Created"
    assert group["OfflineStoreStatus"] == {"Status": "Active"}
    resolved = group["OfflineStoreConfig"]["S3StorageConfig"]["ResolvedOutputS3Uri"]
    assert resolved.startswith("s3://data/feature-store/123456789012/sagemaker/us-west-2/offline-store/customers-")
    assert group["OfflineStoreConfig"]["DataCatalogConfig"]["Database"] == "sagemaker_featurestore"


def test_online_only_group_is_accepted(sm: Any, frozen_aws: LocalAws) -> None:
    """moto answers this request with a 500; SageMaker (and we) accept it."""
    sm.create_feature_group(**feature_group("online", offline=False, online=True))
    frozen_aws.advance_clock(600)
    group = sm.describe_feature_group(FeatureGroupName="online")
    assert group["FeatureGroupStatus"] == "Created"
    assert "OfflineStoreConfig" not in group
    assert group["OnlineStoreConfig"]["TtlDuration"] == {"Unit": "Days", "Value": 30}


def test_update_adds_features_and_changes_ttl_in_place(sm: Any, frozen_aws: LocalAws) -> None:
    sm.create_feature_group(**feature_group("grow", online=True))
    frozen_aws.advance_clock(600)
    sm.update_feature_group(
        FeatureGroupName="grow", FeatureAdditions=[{"FeatureName": "tenure", "FeatureType": "Integral"}]
    )
    group = sm.describe_feature_group(FeatureGroupName="grow")
    assert group["LastUpdateStatus"] == {"Status": "InProgress"}
    assert [f["FeatureName"] for f in group["FeatureDefinitions"]] == ["customer_id", "event_time", "age"]
    code, _ = aws_error(
        sm.update_feature_group,
        FeatureGroupName="grow",
        OnlineStoreConfig={"TtlDuration": {"Unit": "Hours", "Value": 1}},
    )
    assert code == "ResourceInUse", "a second update while one is in progress is refused"
    frozen_aws.advance_clock(60)
    group = sm.describe_feature_group(FeatureGroupName="grow")
    assert group["LastUpdateStatus"] == {"Status": "Successful"}
    assert [f["FeatureName"] for f in group["FeatureDefinitions"]][-1] == "tenure"
    sm.update_feature_group(FeatureGroupName="grow", OnlineStoreConfig={"TtlDuration": {"Unit": "Hours", "Value": 12}})
    frozen_aws.advance_clock(60)
    assert sm.describe_feature_group(FeatureGroupName="grow")["OnlineStoreConfig"]["TtlDuration"] == {
        "Unit": "Hours",
        "Value": 12,
    }
    code, message = aws_error(
        sm.update_feature_group,
        FeatureGroupName="grow",
        FeatureAdditions=[{"FeatureName": "age", "FeatureType": "Integral"}],
    )
    assert code == "ValidationException" and "age" in message


def test_injected_create_failure_ends_in_create_failed(sm: Any, frozen_aws: LocalAws) -> None:
    frozen_aws.fail_resource("feature_group", "Access denied to s3://data/feature-store", name="broken")
    sm.create_feature_group(**feature_group("broken"))
    frozen_aws.advance_clock(600)
    group = sm.describe_feature_group(FeatureGroupName="broken")
    assert (group["FeatureGroupStatus"], group["FailureReason"]) == (
        "CreateFailed",
        "Access denied to s3://data/feature-store",
    )


def test_delete_then_gone_and_errors(sm: Any, frozen_aws: LocalAws) -> None:
    sm.create_feature_group(**feature_group("temp"))
    code, message = aws_error(sm.create_feature_group, **feature_group("temp"))
    assert code == "ResourceInUse" and "already exists" in message
    frozen_aws.advance_clock(600)
    sm.delete_feature_group(FeatureGroupName="temp")
    assert sm.describe_feature_group(FeatureGroupName="temp")["FeatureGroupStatus"] == "Deleting"
    frozen_aws.advance_clock(30)
    assert aws_error(sm.describe_feature_group, FeatureGroupName="temp")[0] == "ResourceNotFound"
    assert sm.list_feature_groups()["FeatureGroupSummaries"] == []


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"EventTimeFeatureName": "missing"}, "EventTimeFeatureName"),
        ({"EventTimeFeatureName": "age"}, "String or Fractional"),
        (
            {
                "FeatureDefinitions": [
                    {"FeatureName": "customer_id", "FeatureType": "String"},
                    {"FeatureName": "event_time", "FeatureType": "String"},
                    {"FeatureName": "write_time", "FeatureType": "String"},
                ]
            },
            "reserved",
        ),
        ({"OfflineStoreConfig": None}, "At least one"),
    ],
)
def test_invalid_definitions_are_refused(sm: Any, change: dict[str, Any], needle: str) -> None:
    request = {key: value for key, value in {**feature_group("bad"), **change}.items() if value is not None}
    code, message = aws_error(sm.create_feature_group, **request)
    assert code == "ValidationException" and needle in message
    assert aws_error(sm.describe_feature_group, FeatureGroupName="bad")[0] == "ResourceNotFound"
