"""Every guardrail of the policy pack, tested with a passing and a failing resource."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs

from policy.rules import BUCKET, ENDPOINT_CONFIG, FEATURE_GROUP, MODEL, MODEL_PACKAGE, TRAINING_JOB, policies

KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PROD = {"production": True}


def _job(**request: Any) -> dict[str, Any]:
    base = {
        "OutputDataConfig": {"S3OutputPath": "s3://data/out", "KmsKeyId": KEY},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "EnableNetworkIsolation": True,
    }
    return {"request": {**base, **request}}


def _config(**props: Any) -> dict[str, Any]:
    base = {
        "productionVariants": [{"variantName": "primary", "instanceType": "ml.m5.large", "initialInstanceCount": 1}],
        "kmsKeyArn": KEY,
        "dataCaptureConfig": {"enableCapture": True, "destinationS3Uri": "s3://data/capture", "kmsKeyId": KEY},
    }
    return {**base, **props}


GOOD_GROUP = {
    "offline_store": {"S3StorageConfig": {"S3Uri": "s3://d/fs", "KmsKeyId": KEY}},
    "online_store": {"EnableOnlineStore": True, "SecurityConfig": {"KmsKeyId": KEY}},
}

CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], dict[str, Any], str]] = [
    # policy, type, compliant props, violating props, config, expected message fragment
    (
        "sagemaker-encryption-keys",
        TRAINING_JOB,
        _job(),
        _job(OutputDataConfig={"S3OutputPath": "s3://d/o"}),
        {},
        "training output has no KMS key",
    ),
    (
        "sagemaker-encryption-keys",
        ENDPOINT_CONFIG,
        _config(),
        _config(kmsKeyArn=None),
        {},
        "endpoint volumes have no KMS key",
    ),
    (
        "sagemaker-encryption-keys",
        ENDPOINT_CONFIG,
        _config(),
        _config(dataCaptureConfig={"enableCapture": True, "destinationS3Uri": "s3://d/c"}),
        {},
        "data capture has no KMS key",
    ),
    (
        "sagemaker-encryption-keys",
        FEATURE_GROUP,
        GOOD_GROUP,
        {**GOOD_GROUP, "offline_store": {"S3StorageConfig": {"S3Uri": "s3://d/fs"}}},
        {},
        "offline store has no KMS key",
    ),
    (
        "sagemaker-encryption-keys",
        FEATURE_GROUP,
        GOOD_GROUP,
        {**GOOD_GROUP, "online_store": {"EnableOnlineStore": True}},
        {},
        "online store has no KMS key",
    ),
    (
        "sagemaker-training-network-isolation",
        TRAINING_JOB,
        _job(),
        _job(EnableNetworkIsolation=False),
        PROD,
        "network_isolation",
    ),
    (
        "sagemaker-approved-packages",
        MODEL_PACKAGE,
        {"approval_status": "Approved"},
        {"approval_status": "PendingManualApproval"},
        PROD,
        "only Approved packages",
    ),
    (
        "sagemaker-approved-packages",
        MODEL,
        {"primaryContainer": {"modelPackageName": "arn:p/1"}},
        {"primaryContainer": {"image": "i", "modelDataUrl": "s3://m"}},
        PROD,
        "approved model package",
    ),
    (
        "sagemaker-allowed-instance-types",
        TRAINING_JOB,
        _job(),
        _job(ResourceConfig={"InstanceType": "ml.p4d.24xlarge"}),
        {"allowedInstanceTypes": ["ml.m5.xlarge", "ml.m5.large"]},
        "ml.p4d.24xlarge is not allowed",
    ),
    (
        "sagemaker-allowed-instance-types",
        ENDPOINT_CONFIG,
        _config(),
        _config(productionVariants=[{"instanceType": "ml.g5.48xlarge"}]),
        {"allowedInstanceTypes": ["ml.m5.large"]},
        "ml.g5.48xlarge is not allowed",
    ),
    ("sagemaker-data-capture", ENDPOINT_CONFIG, _config(), _config(dataCaptureConfig=None), PROD, "need data_capture"),
    ("sagemaker-no-public-s3", BUCKET, {"acl": "private"}, {"acl": "public-read"}, {}, "makes it public"),
    (
        "sagemaker-no-public-s3",
        TRAINING_JOB,
        _job(),
        _job(OutputDataConfig={"S3OutputPath": "https://bucket.s3.amazonaws.com/out", "KmsKeyId": KEY}),
        {},
        "not an s3:// location",
    ),
    (
        "sagemaker-no-public-s3",
        ENDPOINT_CONFIG,
        _config(),
        _config(dataCaptureConfig={"enableCapture": True, "destinationS3Uri": "https://x", "kmsKeyId": KEY}),
        {},
        "not an s3:// location",
    ),
]
POLICIES = {policy.name: policy for policy in policies()}


def _violations(policy_name: str, resource_type: str, props: dict[str, Any], config: dict[str, Any]) -> list[str]:
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    args = ResourceValidationArgs(
        resource_type, props, f"urn:pulumi:test::p::{resource_type}::r", "r", options, None, config
    )
    reported: list[str] = []
    validate = POLICIES[policy_name].validate
    assert callable(validate)
    validate(args, lambda message, urn=None: reported.append(message))
    return reported


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}:{c[1].rsplit(':', 1)[-1]}:{c[5][:20]}" for c in CASES])
def test_policy_passes_the_compliant_and_flags_the_violating(case: tuple[Any, ...]) -> None:
    policy, resource_type, good, bad, config, fragment = case
    assert _violations(policy, resource_type, good, config) == []
    reported = _violations(policy, resource_type, bad, config)
    assert reported and any(fragment in message for message in reported), reported


def test_production_rules_are_off_outside_production() -> None:
    assert (
        _violations("sagemaker-training-network-isolation", TRAINING_JOB, _job(EnableNetworkIsolation=False), {}) == []
    )
    assert _violations("sagemaker-data-capture", ENDPOINT_CONFIG, _config(dataCaptureConfig=None), {}) == []


def test_every_policy_is_tested() -> None:
    assert {case[0] for case in CASES} == set(POLICIES)
