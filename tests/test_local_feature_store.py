"""The local AWS's online feature store, through boto3's `sagemaker-featurestore-runtime` client:
records typed by the group's definitions, the newest event time wins, TTL on the local clock."""

from __future__ import annotations

from typing import Any

import pytest

from sagestack.testing.local_aws import LocalAws
from tests.aws_errors import aws_error
from tests.sagemaker_requests import feature_group

T0 = 1_750_000_000.0


def record(customer: str, event_time: float | str, age: str = "42", **extra: str) -> list[dict[str, str]]:
    features = {"customer_id": customer, "event_time": str(event_time), "age": age, **extra}
    return [{"FeatureName": name, "ValueAsString": value} for name, value in features.items()]


def values(answer: dict[str, Any]) -> dict[str, str]:
    return {feature["FeatureName"]: feature["ValueAsString"] for feature in answer.get("Record", [])}


@pytest.fixture
def fs(frozen_aws: LocalAws) -> Any:
    frozen_aws.freeze_clock(at=T0)
    frozen_aws.set_durations({"feature_group": {"creating": 60, "updating": 10}})
    sm = frozen_aws.client("sagemaker")
    sm.create_feature_group(**feature_group("customers", online=True))  # TTL 30 days
    sm.create_feature_group(**feature_group("offline-only"))
    frozen_aws.advance_clock(60)
    return frozen_aws.client("sagemaker-featurestore-runtime")


def test_put_then_get_a_record(fs: Any) -> None:
    fs.put_record(FeatureGroupName="customers", Record=record("c1", T0))
    got = fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1")
    assert values(got) == {"customer_id": "c1", "event_time": str(T0), "age": "42"}
    assert "ExpiresAt" not in got
    only_age = fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1", FeatureNames=["age"])
    assert values(only_age) == {"age": "42"}
    unknown = fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="nobody")
    assert "Record" not in unknown, "an unknown identifier is an empty answer, not an error"


def test_the_newest_event_time_wins(fs: Any) -> None:
    fs.put_record(FeatureGroupName="customers", Record=record("c1", T0 + 10, age="30"))
    fs.put_record(FeatureGroupName="customers", Record=record("c1", T0 + 5, age="99"))  # older: ignored
    assert values(fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1"))["age"] == "30"
    fs.put_record(FeatureGroupName="customers", Record=record("c1", T0 + 20, age="31"))
    assert values(fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1"))["age"] == "31"


def test_records_expire_on_the_local_clock(fs: Any, frozen_aws: LocalAws) -> None:
    fs.put_record(FeatureGroupName="customers", Record=record("c1", T0))
    fs.put_record(FeatureGroupName="customers", Record=record("c2", T0), TtlDuration={"Unit": "Hours", "Value": 1})
    got = fs.get_record(
        FeatureGroupName="customers", RecordIdentifierValueAsString="c2", ExpirationTimeResponse="Enabled"
    )
    assert got["ExpiresAt"] == "2025-06-15T16:06:40.000Z", "the event time plus the record's own TTL"
    frozen_aws.advance_clock(3600)
    assert "Record" not in fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c2")
    assert values(fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1")), "30-day TTL"
    frozen_aws.advance_clock(30 * 86400)
    assert "Record" not in fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1")
    fs.put_record(FeatureGroupName="customers", Record=record("c1", T0 + 31 * 86400, age="7"))
    assert values(fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1"))["age"] == "7"


def test_records_are_typed_by_the_feature_definitions(fs: Any) -> None:
    def refused(features: list[dict[str, str]]) -> str:
        code, message = aws_error(fs.put_record, FeatureGroupName="customers", Record=features)
        assert code == "ValidationError"
        return message

    assert "not a valid Integral" in refused(record("c1", T0, age="4.5"))
    assert "event_time" in refused(record("c1", "yesterday"))
    assert "not defined" in refused(record("c1", T0, shoe_size="44"))
    assert "customer_id" in refused(record("c1", T0)[1:])
    assert "event_time" in refused([f for f in record("c1", T0) if f["FeatureName"] != "event_time"])
    assert "more than once" in refused([*record("c1", T0), {"FeatureName": "age", "ValueAsString": "1"}])


def test_a_string_event_time_is_iso_8601(frozen_aws: LocalAws, fs: Any) -> None:
    sm = frozen_aws.client("sagemaker")
    request = feature_group("events", offline=False, online=True)
    request["FeatureDefinitions"][1]["FeatureType"] = "String"
    sm.create_feature_group(**request)
    frozen_aws.advance_clock(60)
    fs.put_record(FeatureGroupName="events", Record=record("c1", "2025-06-15T00:00:00Z", age="1"))
    fs.put_record(FeatureGroupName="events", Record=record("c1", "2025-06-14T23:59:59.999Z", age="2"))
    assert values(fs.get_record(FeatureGroupName="events", RecordIdentifierValueAsString="c1"))["age"] == "1"
    code, _ = aws_error(fs.put_record, FeatureGroupName="events", Record=record("c1", "2025-06-15 00:00:00"))
    assert code == "ValidationError"


def test_added_features_are_written_once_the_update_succeeded(frozen_aws: LocalAws, fs: Any) -> None:
    sm = frozen_aws.client("sagemaker")
    sm.update_feature_group(
        FeatureGroupName="customers", FeatureAdditions=[{"FeatureName": "tenure", "FeatureType": "Integral"}]
    )
    assert aws_error(fs.put_record, FeatureGroupName="customers", Record=record("c1", T0, tenure="3"))[0] == (
        "ValidationError"
    )
    frozen_aws.advance_clock(10)
    fs.put_record(FeatureGroupName="customers", Record=record("c1", T0, tenure="3"))
    assert values(fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1"))["tenure"] == "3"
    size = sm.describe_feature_group(FeatureGroupName="customers")["OnlineStoreTotalSizeBytes"]
    assert size > 0


def test_delete_soft_and_hard(fs: Any) -> None:
    fs.put_record(FeatureGroupName="customers", Record=record("c1", T0 + 10))
    fs.delete_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1", EventTime=str(T0 + 5))
    assert values(fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1")), "older delete"
    fs.delete_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1", EventTime=str(T0 + 20))
    assert "Record" not in fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1")
    fs.put_record(FeatureGroupName="customers", Record=record("c1", T0 + 15))
    assert "Record" not in fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1"), (
        "a soft delete is a tombstone: an older write stays hidden"
    )
    fs.delete_record(
        FeatureGroupName="customers",
        RecordIdentifierValueAsString="c1",
        EventTime=str(T0 + 30),
        DeletionMode="HardDelete",
    )
    fs.put_record(FeatureGroupName="customers", Record=record("c1", T0 + 1, age="5"))
    assert values(fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1"))["age"] == "5"


def test_batch_get_record(fs: Any) -> None:
    fs.put_record(FeatureGroupName="customers", Record=record("c1", T0, age="1"))
    fs.put_record(FeatureGroupName="customers", Record=record("c2", T0, age="2"))
    answer = fs.batch_get_record(
        Identifiers=[
            {
                "FeatureGroupName": "customers",
                "RecordIdentifiersValueAsString": ["c1", "c2", "c3"],
                "FeatureNames": ["age"],
            },
            {"FeatureGroupName": "missing", "RecordIdentifiersValueAsString": ["c1"]},
        ]
    )
    assert [(r["RecordIdentifierValueAsString"], values(r)) for r in answer["Records"]] == [
        ("c1", {"age": "1"}),
        ("c2", {"age": "2"}),
    ]
    [error] = answer["Errors"]
    assert (error["FeatureGroupName"], error["ErrorCode"]) == ("missing", "ResourceNotFound")
    assert answer["UnprocessedIdentifiers"] == []


def test_errors_answer_as_feature_store_does(fs: Any, frozen_aws: LocalAws) -> None:
    missing = "Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name nope"
    assert aws_error(fs.put_record, FeatureGroupName="nope", Record=record("c1", T0)) == ("ValidationError", missing)
    assert aws_error(fs.get_record, FeatureGroupName="nope", RecordIdentifierValueAsString="c1") == (
        "ResourceNotFound",
        missing,
    )
    code, _ = aws_error(fs.get_record, FeatureGroupName="offline-only", RecordIdentifierValueAsString="c1")
    assert code == "AccessForbidden", "a group without an online store"
    fs.put_record(FeatureGroupName="offline-only", Record=record("c1", T0))  # to the offline store: accepted
    code, _ = aws_error(
        fs.put_record, FeatureGroupName="offline-only", Record=record("c1", T0), TargetStores=["OnlineStore"]
    )
    assert code == "ValidationError"
    frozen_aws.client("sagemaker").create_feature_group(**feature_group("young", online=True))
    code, message = aws_error(fs.put_record, FeatureGroupName="young", Record=record("c1", T0))
    assert code == "ValidationError" and "Creating" in message


def test_a_group_addressed_by_arn_and_gone_with_its_group(fs: Any, frozen_aws: LocalAws) -> None:
    sm = frozen_aws.client("sagemaker")
    arn = sm.describe_feature_group(FeatureGroupName="customers")["FeatureGroupArn"]
    fs.put_record(FeatureGroupName=arn, Record=record("c1", T0))
    assert values(fs.get_record(FeatureGroupName=arn, RecordIdentifierValueAsString="c1"))
    sm.delete_feature_group(FeatureGroupName="customers")
    frozen_aws.advance_clock(3600)
    sm.create_feature_group(**feature_group("customers", online=True))
    frozen_aws.advance_clock(60)
    assert "Record" not in fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1")


def test_runtime_requests_are_counted_and_recorded(fs: Any, frozen_aws: LocalAws) -> None:
    fs.put_record(FeatureGroupName="customers", Record=record("c1", T0))
    fs.get_record(FeatureGroupName="customers", RecordIdentifierValueAsString="c1", FeatureNames=["age", "customer_id"])
    calls = frozen_aws.calls()
    assert calls["sagemaker-featurestore-runtime:PutRecord"] == 1
    [get] = frozen_aws.requests("sagemaker-featurestore-runtime:GetRecord")
    assert get["body"] == {
        "FeatureGroupName": "customers",
        "RecordIdentifierValueAsString": "c1",
        "FeatureNames": ["age", "customer_id"],
    }
