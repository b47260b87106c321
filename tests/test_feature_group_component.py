"""FeatureGroup under Pulumi's mocks, and bad feature group inputs refused at check."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components import Feature, FeatureGroup, OfflineStore, OnlineStore, Throughput, Ttl
from components.providers.feature_group import FeatureGroupProvider
from sagestack.testing.local_aws import LocalAws
from sagestack.testing.mocks import run_program
from sagestack.testing.provider_host import ProviderHost, urn_for
from tests.test_feature_group_provider import FEATURES, group_inputs

KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _group(**overrides: Any) -> FeatureGroup:
    arguments: dict[str, Any] = {
        "record_identifier": "customer_id",
        "event_time": "event_time",
        "features": [Feature(name="customer_id", type="String"), Feature(name="event_time", type="Fractional")],
        "offline_store": OfflineStore(s3_uri="s3://data/feature-store/customers", kms_key_id=KEY),
        "online_store": OnlineStore(ttl=Ttl(unit="Days", value=7)),
    }
    arguments.update(overrides)
    return FeatureGroup("customers", **arguments)


def test_component_registers_the_group_and_a_least_privilege_role() -> None:
    run = run_program(lambda: _group() and None)
    component = run.named("customers")
    assert [r.name for r in run.children_of(component)] == ["customers-role", "customers-group"]
    group = run.named("customers-group")
    assert group.type == "pulumi-python:dynamic/sagemaker:FeatureGroup"
    assert group.inputs["features"] == [
        {"FeatureName": "customer_id", "FeatureType": "String"},
        {"FeatureName": "event_time", "FeatureType": "Fractional"},
    ]
    assert group.inputs["online_store"] == {
        "EnableOnlineStore": True,
        "StorageType": "Standard",
        "TtlDuration": {"Unit": "Days", "Value": 7},
    }
    assert group.inputs["role_arn"] == "arn:aws:mock:us-west-2:123456789012:role/customers-role"
    policy = json.loads(run.named("customers-role-policy").inputs["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "WriteOfflineStore",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": "arn:aws:s3:::data/feature-store/customers/*",
        },
        {"Sid": "CheckBucket", "Effect": "Allow", "Action": ["s3:GetBucketAcl"], "Resource": "arn:aws:s3:::data"},
        {
            "Sid": "GlueCatalog",
            "Effect": "Allow",
            "Action": ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:GetDatabase"],
            "Resource": [
                "arn:aws:glue:us-west-2:123456789012:catalog",
                "arn:aws:glue:us-west-2:123456789012:database/sagemaker_featurestore",
                "arn:aws:glue:us-west-2:123456789012:table/sagemaker_featurestore/*",
            ],
        },
        {
            "Sid": "UseKey",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": KEY,
        },
    ]


def test_a_given_role_means_no_generated_role() -> None:
    run = run_program(lambda: _group(role_arn="arn:aws:iam::123456789012:role/FeatureStore") and None)
    assert [r.name for r in run.children_of(run.named("customers"))] == ["customers-group"]


def test_online_only_in_memory_with_vectors_and_provisioned_throughput() -> None:
    features = [
        Feature(name="customer_id", type="String"),
        Feature(name="event_time", type="String"),
        Feature(name="embedding", type="Fractional", collection_type="Vector", vector_dimension=128),
    ]
    run = run_program(
        lambda: (
            _group(
                features=features,
                offline_store=None,
                online_store=OnlineStore(storage_type="InMemory"),
                throughput=Throughput(mode="Provisioned", read_units=10, write_units=5),
            )
            and None
        )
    )
    group = run.named("customers-group")
    assert group.inputs["features"][2] == {
        "FeatureName": "embedding",
        "FeatureType": "Fractional",
        "CollectionType": "Vector",
        "CollectionConfig": {"VectorConfig": {"Dimension": 128}},
    }
    assert group.inputs["throughput"] == {
        "ThroughputMode": "Provisioned",
        "ProvisionedReadCapacityUnits": 10,
        "ProvisionedWriteCapacityUnits": 5,
    }
    assert "offline_store" not in group.inputs or group.inputs["offline_store"] is None


Mutation = Callable[[dict[str, Any]], None]


def _features(features: list[dict[str, Any]]) -> Mutation:
    return lambda inputs: inputs.update(features=features)


def _set(**changes: Any) -> Mutation:
    return lambda inputs: inputs.update(changes)


VECTOR = {
    "FeatureName": "emb",
    "FeatureType": "Fractional",
    "CollectionType": "Vector",
    "CollectionConfig": {"VectorConfig": {"Dimension": 8}},
}
BAD: list[tuple[str, Mutation, str]] = [
    ("no features", _features([]), "features"),
    ("2501 features", _features([{"FeatureName": f"f{n}", "FeatureType": "String"} for n in range(2501)]), "features"),
    ("duplicate feature", _features([*FEATURES, FEATURES[2]]), "features"),
    (
        "reserved is_deleted",
        _features([*FEATURES, {"FeatureName": "is_deleted", "FeatureType": "String"}]),
        "features[3].FeatureName",
    ),
    (
        "reserved write_time",
        _features([*FEATURES, {"FeatureName": "write_time", "FeatureType": "String"}]),
        "features[3].FeatureName",
    ),
    (
        "reserved api_invocation_time",
        _features([*FEATURES, {"FeatureName": "api_invocation_time", "FeatureType": "String"}]),
        "features[3].FeatureName",
    ),
    (
        "feature name with a space",
        _features([*FEATURES, {"FeatureName": "first name", "FeatureType": "String"}]),
        "features[3].FeatureName",
    ),
    (
        "65-char feature name",
        _features([*FEATURES, {"FeatureName": "f" * 65, "FeatureType": "String"}]),
        "features[3].FeatureName",
    ),
    (
        "unknown feature type",
        _features([*FEATURES, {"FeatureName": "x", "FeatureType": "Boolean"}]),
        "features[3].FeatureType",
    ),
    ("record identifier not a feature", _set(record_identifier="id"), "record_identifier"),
    ("event time not a feature", _set(event_time="ts"), "event_time"),
    ("Integral event time", _set(event_time="age"), "event_time"),
    (
        "vector that is not Fractional",
        _features([*FEATURES, {**VECTOR, "FeatureType": "String"}]),
        "features[3].FeatureType",
    ),
    (
        "vector without a dimension",
        _features([*FEATURES, {**VECTOR, "CollectionConfig": None}]),
        "features[3].CollectionConfig",
    ),
    (
        "vector dimension 9000",
        _features([*FEATURES, {**VECTOR, "CollectionConfig": {"VectorConfig": {"Dimension": 9000}}}]),
        "features[3].CollectionConfig.VectorConfig.Dimension",
    ),
    ("collection on a Standard store", _features([*FEATURES, VECTOR]), "features"),
    (
        "unknown collection type",
        _features([*FEATURES, {"FeatureName": "x", "FeatureType": "String", "CollectionType": "Bag"}]),
        "features[3].CollectionType",
    ),
    (
        "TTL in months",
        _set(online_store={"EnableOnlineStore": True, "TtlDuration": {"Unit": "Months", "Value": 1}}),
        "online_store.TtlDuration.Unit",
    ),
    (
        "TTL of zero",
        _set(online_store={"EnableOnlineStore": True, "TtlDuration": {"Unit": "Days", "Value": 0}}),
        "online_store.TtlDuration.Value",
    ),
    (
        "unknown storage type",
        _set(online_store={"EnableOnlineStore": True, "StorageType": "Disk"}),
        "online_store.StorageType",
    ),
    ("no store at all", _set(online_store=None, offline_store=None), "online_store"),
    (
        "non-S3 offline store",
        _set(offline_store={"S3StorageConfig": {"S3Uri": "/mnt/store"}}),
        "offline_store.S3StorageConfig.S3Uri",
    ),
    (
        "unknown table format",
        _set(offline_store={"S3StorageConfig": {"S3Uri": "s3://d/f"}, "TableFormat": "Delta"}),
        "offline_store.TableFormat",
    ),
    ("offline store without role", _set(role_arn=None), "role_arn"),
    ("provisioned without units", _set(throughput={"ThroughputMode": "Provisioned"}), "throughput"),
    (
        "on-demand with units",
        _set(throughput={"ThroughputMode": "OnDemand", "ProvisionedReadCapacityUnits": 5}),
        "throughput",
    ),
    ("bad group name", _set(feature_group_name="customers.v2"), "feature_group_name"),
    ("reserved tag key", _set(tags={"aws:team": "ml"}), "tags.aws:team"),
]


@pytest.fixture(scope="module")
def check_host(local_aws_server: LocalAws) -> Iterator[ProviderHost]:
    with ProviderHost(env=local_aws_server.env()) as host:
        host.configure({"aws:region": "us-west-2"})
        yield host


def _check(host: ProviderHost, inputs: dict[str, Any]) -> list[tuple[str, str]]:
    return host.check(urn_for("fg"), {}, {**inputs, "__provider": serialize_provider(FeatureGroupProvider())})[1]


def test_the_good_inputs_pass(check_host: ProviderHost) -> None:
    assert _check(check_host, group_inputs()) == []


@pytest.mark.parametrize(("label", "change", "path"), BAD, ids=[case[0] for case in BAD])
def test_bad_input_is_refused_with_its_field(
    check_host: ProviderHost, aws: LocalAws, label: str, change: Mutation, path: str
) -> None:
    inputs = group_inputs()
    change(inputs)
    failures = _check(check_host, inputs)
    assert path in [prop for prop, _ in failures], f"{label}: {failures}"
    assert not [call for call in aws.calls() if call.startswith("sagemaker:")]


def test_there_are_at_least_twenty_cases() -> None:
    assert len(BAD) >= 20
