"""Every guardrail of the policy pack, tested with a passing and a failing resource; the ways
around them that the pack once let through (each a failing case below); the stack rule on what
production serves; values a preview does not know; and the shipped stacks against their pack."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest
from pulumi.automation import CommandError
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from components.providers.endpoint import EndpointResource
from components.rules import training_job as training_rules
from components.serving import AsyncInference, DataCapture, InstanceVariant, ModelEndpoint
from policy import check_rendered
from policy.rules import (
    BUCKET,
    BUCKET_POLICY,
    ENDPOINT,
    ENDPOINT_CONFIG,
    FEATURE_GROUP,
    INSTANCE_STORAGE,
    MODEL,
    MODEL_PACKAGE,
    NATIVE_ENDPOINT,
    NATIVE_FEATURE_GROUP,
    TRAINING_JOB,
    policies,
    public_statements,
)
from sagestack.testing.engine import EngineStack, engine_unavailable
from sagestack.testing.local_aws import LocalAws
from sagestack.testing.mocks import run_program

REPO = Path(__file__).resolve().parents[1]
KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PROD = {"production": True}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
PACKAGE_ARN = "arn:aws:sagemaker:us-west-2:111111111111:model-package/churn/2"
BUCKET_ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2"
BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl"
BUCKET_PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"


def _job(**request: Any) -> dict[str, Any]:
    base = {
        "OutputDataConfig": {"S3OutputPath": "s3://data/out", "KmsKeyId": KEY},
        "ResourceConfig": {
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 1,
            "VolumeSizeInGB": 30,
            "VolumeKmsKeyId": KEY,
        },
        "EnableNetworkIsolation": True,
    }
    return {"request": {**base, **request}}


def _groups(*types: str, volume_key: bool = True) -> dict[str, Any]:
    """A heterogeneous cluster: ResourceConfig.InstanceGroups, no top-level InstanceType."""
    groups = [{"InstanceGroupName": f"g{i}", "InstanceType": t, "InstanceCount": 1} for i, t in enumerate(types)]
    resources: dict[str, Any] = {"InstanceGroups": groups, "VolumeSizeInGB": 30}
    return _job(ResourceConfig={**resources, "VolumeKmsKeyId": KEY} if volume_key else resources)


def _config(**props: Any) -> dict[str, Any]:
    base = {
        "productionVariants": [{"variantName": "primary", "instanceType": "ml.m5.large", "initialInstanceCount": 1}],
        "kmsKeyArn": KEY,
        "dataCaptureConfig": {
            "enableCapture": True,
            "initialSamplingPercentage": 20,
            "destinationS3Uri": "s3://data/capture",
            "kmsKeyId": KEY,
        },
    }
    return {**base, **props}


def _capture(**members: Any) -> dict[str, Any]:
    return {**_config()["dataCaptureConfig"], **members}


def _async(**output: Any) -> dict[str, Any]:
    return {"outputConfig": {"s3OutputPath": "s3://data/async", "kmsKeyId": KEY, **output}}


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"bucket": "b", "policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})}


def _statement(principal: Any = "*", **members: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
        **members,
    }


BLOCKED: dict[str, Any] = dict.fromkeys(
    ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
)
GOOD_GROUP = {
    "offline_store": {"S3StorageConfig": {"S3Uri": "s3://d/fs", "KmsKeyId": KEY}},
    "online_store": {"EnableOnlineStore": True, "SecurityConfig": {"KmsKeyId": KEY}},
}
GOOD_NATIVE_GROUP = {
    "offlineStoreConfig": {"s3StorageConfig": {"s3Uri": "s3://d/fs", "kmsKeyId": KEY}},
    "onlineStoreConfig": {"enableOnlineStore": True, "securityConfig": {"kmsKeyId": KEY}},
}
TYPES = {"allowedInstanceTypes": ["ml.m5.xlarge", "ml.m5.large"]}

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
    # Bypass: the training volume's key was never looked at.
    (
        "sagemaker-encryption-keys",
        TRAINING_JOB,
        _job(),
        _job(ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}),
        {},
        "training volumes have no KMS key",
    ),
    (
        "sagemaker-encryption-keys",
        TRAINING_JOB,
        _groups("ml.m5.xlarge", "ml.c5.xlarge"),
        _groups("ml.m5.xlarge", "ml.c5.xlarge", volume_key=False),
        {},
        "training volumes have no KMS key",
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
        _config(dataCaptureConfig=_capture(kmsKeyId=None)),
        {},
        "data capture has no KMS key",
    ),
    # Bypass: async inference output was not checked for a key.
    (
        "sagemaker-encryption-keys",
        ENDPOINT_CONFIG,
        _config(asyncInferenceConfig=_async()),
        _config(asyncInferenceConfig=_async(kmsKeyId=None)),
        {},
        "async inference output has no KMS key",
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
    # Bypass: pulumi-aws's own FeatureGroup was not checked at all.
    (
        "sagemaker-encryption-keys",
        NATIVE_FEATURE_GROUP,
        GOOD_NATIVE_GROUP,
        {**GOOD_NATIVE_GROUP, "offlineStoreConfig": {"s3StorageConfig": {"s3Uri": "s3://d/fs"}}},
        {},
        "offline store has no KMS key",
    ),
    (
        "sagemaker-encryption-keys",
        NATIVE_FEATURE_GROUP,
        GOOD_NATIVE_GROUP,
        {**GOOD_NATIVE_GROUP, "onlineStoreConfig": {"enableOnlineStore": True}},
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
    # Bypass: a multi-container model (`containers`) passed with any one container from a package.
    (
        "sagemaker-approved-packages",
        MODEL,
        {"containers": [{"modelPackageName": "arn:p/1"}, {"modelPackageName": "arn:p/2"}]},
        {"containers": [{"modelPackageName": "arn:p/1"}, {"image": "i", "modelDataUrl": "s3://m"}]},
        PROD,
        "approved model package",
    ),
    (
        "sagemaker-allowed-instance-types",
        TRAINING_JOB,
        _job(),
        _job(ResourceConfig={"InstanceType": "ml.p4d.24xlarge"}),
        TYPES,
        "ml.p4d.24xlarge is not allowed",
    ),
    # Bypass: a heterogeneous cluster's instance groups escaped the list.
    (
        "sagemaker-allowed-instance-types",
        TRAINING_JOB,
        _groups("ml.m5.xlarge", "ml.m5.large"),
        _groups("ml.m5.xlarge", "ml.p5.48xlarge"),
        TYPES,
        "ml.p5.48xlarge is not allowed",
    ),
    (
        "sagemaker-allowed-instance-types",
        ENDPOINT_CONFIG,
        _config(),
        _config(productionVariants=[{"instanceType": "ml.g5.48xlarge"}]),
        {"allowedInstanceTypes": ["ml.m5.large"]},
        "ml.g5.48xlarge is not allowed",
    ),
    # Bypass: a shadow variant escaped the list.
    (
        "sagemaker-allowed-instance-types",
        ENDPOINT_CONFIG,
        _config(shadowProductionVariants=[{"variantName": "shadow", "instanceType": "ml.m5.large"}]),
        _config(shadowProductionVariants=[{"variantName": "shadow", "instanceType": "ml.p4d.24xlarge"}]),
        {"allowedInstanceTypes": ["ml.m5.large"]},
        "ml.p4d.24xlarge is not allowed",
    ),
    ("sagemaker-data-capture", ENDPOINT_CONFIG, _config(), _config(dataCaptureConfig=None), PROD, "need data_capture"),
    # Bypass: capture on, sampling 0 %: nothing is ever captured.
    (
        "sagemaker-data-capture",
        ENDPOINT_CONFIG,
        _config(dataCaptureConfig=_capture(initialSamplingPercentage=1)),
        _config(dataCaptureConfig=_capture(initialSamplingPercentage=0)),
        PROD,
        "sample more than 0 %",
    ),
    (
        "sagemaker-data-capture",
        ENDPOINT_CONFIG,
        _config(),
        _config(dataCaptureConfig=_capture(enableCapture=False)),
        PROD,
        "need data_capture",
    ),
    ("sagemaker-no-public-s3", BUCKET, {"acl": "private"}, {"acl": "public-read"}, {}, "makes it public"),
    ("sagemaker-no-public-s3", BUCKET, {"acl": "private"}, {"acl": "authenticated-read"}, {}, "makes it public"),
    (
        "sagemaker-no-public-s3",
        BUCKET,
        {"grants": [{"type": "CanonicalUser", "id": "abc", "permissions": ["FULL_CONTROL"]}]},
        {"grants": [{"type": "Group", "uri": ALL_USERS, "permissions": ["READ"]}]},
        {},
        "grant to AllUsers",
    ),
    # Bypass: the ACL set as its own resource (pulumi-aws 6's BucketAclV2, 7's BucketAcl).
    ("sagemaker-no-public-s3", BUCKET_ACL_V2, {"acl": "private"}, {"acl": "public-read"}, {}, "makes it public"),
    (
        "sagemaker-no-public-s3",
        BUCKET_ACL,
        {"bucket": "b", "acl": "private"},
        {"bucket": "b", "accessControlPolicy": {"grants": [{"grantee": {"type": "Group", "uri": ALL_USERS}}]}},
        {},
        "grant to AllUsers",
    ),
    # Bypass: a bucket policy open to everyone.
    (
        "sagemaker-no-public-s3",
        BUCKET_POLICY,
        _policy(_statement({"AWS": "arn:aws:iam::123456789012:root"})),
        _policy(_statement()),
        {},
        "allows everyone",
    ),
    (
        "sagemaker-no-public-s3",
        BUCKET_POLICY,
        _policy(_statement(Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})),
        # A condition that limits nothing about who asks: still public.
        _policy(_statement({"AWS": ["*"]}, Condition={"Bool": {"aws:SecureTransport": "true"}})),
        {},
        "allows everyone",
    ),
    # Bypass: a public access block with one of its four settings off (or left out: false).
    ("sagemaker-no-public-s3", BUCKET_PAB, BLOCKED, {**BLOCKED, "restrictPublicBuckets": False}, {}, "leaves"),
    (
        "sagemaker-no-public-s3",
        ACCOUNT_PAB,
        BLOCKED,
        {"blockPublicAcls": True, "ignorePublicAcls": True},
        {},
        "blockPublicPolicy, restrictPublicBuckets off",
    ),
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
        _config(dataCaptureConfig=_capture(destinationS3Uri="https://x")),
        {},
        "not an s3:// location",
    ),
    (
        "sagemaker-no-public-s3",
        ENDPOINT_CONFIG,
        _config(asyncInferenceConfig=_async()),
        _config(asyncInferenceConfig=_async(s3OutputPath="https://x/out")),
        {},
        "async inference output https://x/out is not an s3:// location",
    ),
]
POLICIES = {policy.name: policy for policy in policies()}


def _violations(policy_name: str, resource_type: str, props: Any, config: dict[str, Any]) -> list[str]:
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    args = ResourceValidationArgs(
        resource_type, props, f"urn:pulumi:test::p::{resource_type}::r", "r", options, None, config
    )
    reported: list[str] = []
    policy = POLICIES[policy_name]
    assert isinstance(policy, ResourceValidationPolicy) and callable(policy.validate)
    policy.validate(args, lambda message, urn=None: reported.append(message))
    return reported


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}:{c[1].rsplit(':', 1)[-1]}:{c[5][:24]}" for c in CASES])
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
    assert _violations("sagemaker-approved-packages", MODEL_PACKAGE, {"approval_status": "Rejected"}, {}) == []


def test_instance_storage_takes_no_volume_key_and_is_not_asked_for_one() -> None:
    """SageMaker refuses a volume key for instances with local NVMe storage (encrypted by the
    hardware), so a job on one, alone or in a cluster, is compliant without it."""
    for job in (
        _job(ResourceConfig={"InstanceType": "ml.p4d.24xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}),
        _groups("ml.m5.xlarge", "ml.g5.2xlarge", volume_key=False),
    ):
        assert _violations("sagemaker-encryption-keys", TRAINING_JOB, job, {}) == []


@pytest.mark.parametrize(
    "instance_type",
    [
        "ml.m5.xlarge",
        "ml.m5d.xlarge",
        "ml.p4d.24xlarge",
        "ml.g5.2xlarge",
        "ml.g4dn.xlarge",
        "ml.trn1.2xlarge",
        "ml.c5n.xlarge",
        "ml.r5dn.large",
    ],
)
def test_the_pack_and_the_program_agree_on_which_types_take_a_volume_key(instance_type: str) -> None:
    # The pack runs without the components (its own requirements), so it keeps its own copy.
    assert INSTANCE_STORAGE.pattern == training_rules.INSTANCE_STORAGE.pattern
    assert (INSTANCE_STORAGE.match(instance_type) is None) == training_rules.supports_volume_kms(instance_type)


@pytest.mark.parametrize(
    ("condition", "public"),
    [
        ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, False),
        ({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "0.0.0.0/0"]}}, True),
        ({"StringEquals": {"aws:SourceAccount": "123456789012"}}, False),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}, True),  # a wildcard is no one in particular
        ({"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}, True),  # everyone but one
        ({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}, True),  # a request without the key passes
        ({"StringEquals": {"aws:SourceVpce": "${aws:username}"}}, True),
        ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, True),
    ],
)
def test_which_conditions_limit_a_policy_granted_to_everyone(condition: dict[str, Any], public: bool) -> None:
    document = {"Statement": [_statement(Condition=condition)]}
    assert bool(public_statements(document)) == public


def test_deny_statements_and_named_principals_are_not_public() -> None:
    document = {
        "Statement": {  # a single statement need not be in a list
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    }
    assert public_statements(document) == []
    assert public_statements({"Statement": [_statement({"Service": "sagemaker.amazonaws.com"})]}) == []
    assert public_statements({"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:x"}, "Action": "s3:*"}]})


# --- values a preview does not know yet -------------------------------------------------------


def _unknown(props: dict[str, Any]) -> Any:
    """`props` as the analyzer hands them over in a preview: reading an unknown raises."""
    return unknown_checking_proxy(props)


def test_an_unknown_key_is_set_and_the_other_checks_still_run() -> None:
    """A key wired from a KMS key resource is unknown in a first preview. Reading it used to raise,
    which skips the whole policy for the resource (an advisory note): the data capture without a
    key went unreported."""
    props = _config(kmsKeyArn=UNKNOWN_STRING_VALUE, dataCaptureConfig=_capture(kmsKeyId=None))
    assert _violations("sagemaker-encryption-keys", ENDPOINT_CONFIG, _unknown(props), {}) == [
        "data capture has no KMS key (data_capture.kms_key_id)"
    ]


def test_unknown_values_are_judged_at_up_not_guessed_at_in_preview() -> None:
    shadow = [{"variantName": "shadow", "instanceType": UNKNOWN_STRING_VALUE}]
    props = _config(shadowProductionVariants=shadow, productionVariants=[{"instanceType": "ml.p4d.24xlarge"}])
    assert _violations("sagemaker-allowed-instance-types", ENDPOINT_CONFIG, _unknown(props), TYPES) == [
        "instance type ml.p4d.24xlarge is not allowed here (allowed: ml.m5.xlarge, ml.m5.large)"
    ]
    job = _job(EnableNetworkIsolation=UNKNOWN_STRING_VALUE)
    assert _violations("sagemaker-training-network-isolation", TRAINING_JOB, _unknown(job), PROD) == []
    unknown_policy = {"bucket": "b", "policy": UNKNOWN_STRING_VALUE}
    assert _violations("sagemaker-no-public-s3", BUCKET_POLICY, _unknown(unknown_policy), {}) == []


# --- the props as pulumi-aws and our components really register them --------------------------


def test_the_rules_read_the_properties_real_resources_register() -> None:
    """The bypass cases above spell properties as pulumi-aws registers them; here the real
    component and pulumi-aws resources register them, under Pulumi's mocks."""

    def program() -> None:
        ModelEndpoint(
            "ep",
            model_source=PACKAGE_ARN,
            role_arn="arn:aws:iam::123456789012:role/r",
            variants=[InstanceVariant(instance_type="ml.m5.large")],
            shadow_variant=InstanceVariant(name="shadow", instance_type="ml.p4d.24xlarge"),
            async_inference=AsyncInference(s3_output_path="s3://b/async"),
            data_capture=DataCapture(destination_s3_uri="s3://b/capture", sampling_percentage=0, kms_key_id=KEY),
            kms_key_id=KEY,
        )
        aws.sagemaker.FeatureGroup(
            "fg",
            feature_group_name="fg",
            record_identifier_feature_name="id",
            event_time_feature_name="t",
            role_arn="arn:aws:iam::123456789012:role/r",
            feature_definitions=[{"feature_name": "id", "feature_type": "String"}],
            offline_store_config={"s3_storage_config": {"s3_uri": "s3://b/fs"}},
        )
        aws.s3.BucketPolicy("bp", bucket="b", policy=json.dumps({"Statement": [_statement()]}))
        aws.s3.BucketAcl("ba", bucket="b", acl="public-read-write")
        aws.s3.BucketPublicAccessBlock("pab", bucket="b", block_public_acls=True)

    config = {"allowedInstanceTypes": ["ml.m5.large"], "production": True}
    reported = {
        message
        for resource in run_program(program).resources
        if resource.custom
        for name in POLICIES
        if name
        in {
            "sagemaker-encryption-keys",
            "sagemaker-allowed-instance-types",
            "sagemaker-data-capture",
            "sagemaker-no-public-s3",
        }
        for message in _violations(name, resource.type, resource.inputs, config)
    }
    assert reported == {
        "instance type ml.p4d.24xlarge is not allowed here (allowed: ml.m5.large)",
        "async inference output has no KMS key (async_inference.kms_key_id)",
        "production data capture must sample more than 0 % (data_capture.sampling_percentage is 0)",
        "the offline store has no KMS key (offline_store_config.s3_storage_config.kms_key_id)",
        "the bucket policy makes it public: Statement[0] allows everyone (Principal *) with no condition limiting who",
        "bucket ACL public-read-write makes it public",
        "the public access block leaves blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets off: "
        "set all four to true",
    }


# --- the stack rule: what production serves ---------------------------------------------------


def _resource(
    resource_type: str, name: str, props: dict[str, Any], depends_on: list[PolicyResource] | None = None
) -> PolicyResource:
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    urn = f"urn:pulumi:prod::p::{resource_type}::{name}"
    return PolicyResource(resource_type, props, urn, name, options, None, None, list(depends_on or []), {})


def _stack_violations(resources: list[PolicyResource], config: dict[str, Any] = PROD) -> list[str]:
    policy = POLICIES["sagemaker-served-packages"]
    assert isinstance(policy, StackValidationPolicy) and callable(policy.validate)
    reported: list[str] = []
    policy.validate(StackValidationArgs(resources, config), lambda message, urn=None: reported.append(message))
    return reported


def _serving(package: PolicyResource | None, arn: str = PACKAGE_ARN) -> list[PolicyResource]:
    """A model (from `package`, else from the ARN alone), its config and its endpoint, as the
    ModelEndpoint component builds them; outputs as recorded after `pulumi up`."""
    model = _resource(
        MODEL, "m", {"name": "m-1", "primaryContainer": {"modelPackageName": arn}}, [package] if package else []
    )
    config = _resource(ENDPOINT_CONFIG, "c", {"name": "c-1", "productionVariants": [{"modelName": "m-1"}]}, [model])
    endpoint = _resource(ENDPOINT, "e", {"endpoint_config_name": "c-1"}, [config])
    return [*([package] if package else []), model, config, endpoint]


def _package(status: str) -> PolicyResource:
    return _resource(MODEL_PACKAGE, "pkg", {"arn": PACKAGE_ARN, "approval_status": status})


def test_production_serves_a_package_of_the_stack_only_if_its_recorded_status_is_approved() -> None:
    """Before, a model only had to name *some* package: one registered here but Rejected (a
    status recorded in the package's outputs, say after `pulumi refresh`) was served."""
    assert _stack_violations(_serving(_package("Approved"))) == []
    assert _stack_violations(_serving(_package("Rejected"))) == ["model m serves package pkg, which is Rejected"]
    # Linked by the ARN alone, without a recorded dependency.
    package = _package("PendingManualApproval")
    assert _stack_violations([package, *_serving(None)]) == [
        "model m serves package pkg, which is PendingManualApproval"
    ]
    assert _stack_violations(_serving(_package("Rejected")), {}) == []  # not production


def test_a_package_from_another_registry_shows_only_as_its_arn() -> None:
    """prod serves a version promoted by ARN: its approval status is in the registry, in no
    resource of the stack, so the pack cannot refuse it (`promote` and the program do)."""
    assert _stack_violations(_serving(None)) == []


def test_production_serves_only_what_this_stack_creates() -> None:
    """Before, an endpoint config could serve a model made by hand (or an endpoint a config made by
    hand): nothing in the stack showed what it served."""
    model = _resource(MODEL, "m", {"name": "m-1", "primaryContainer": {"modelPackageName": PACKAGE_ARN}})
    config = _resource(ENDPOINT_CONFIG, "c", {"name": "c-1", "productionVariants": [{"modelName": "handmade"}]})
    assert _stack_violations([model, config]) == ["c serves model handmade, which this stack does not create"]
    shadow = {
        "name": "c-1",
        "productionVariants": [{"modelName": "m-1"}],
        "shadowProductionVariants": [{"modelName": "x"}],
    }
    assert _stack_violations([model, _resource(ENDPOINT_CONFIG, "c", shadow)]) == [
        "c serves model x, which this stack does not create"
    ]
    for endpoint in (
        _resource(ENDPOINT, "e", {"endpoint_config_name": "handmade"}),
        _resource(NATIVE_ENDPOINT, "e", {"endpointConfigName": "handmade"}),
    ):
        assert _stack_violations([endpoint]) == ["e serves endpoint config handmade, which this stack does not create"]


def test_a_name_not_known_yet_is_the_stacks_if_it_flows_from_one_of_its_resources() -> None:
    model = _resource(
        MODEL, "m", _unknown({"name": UNKNOWN_STRING_VALUE, "primaryContainer": {"modelPackageName": PACKAGE_ARN}})
    )
    variants = {"productionVariants": [{"modelName": UNKNOWN_STRING_VALUE}]}
    assert _stack_violations([model, _resource(ENDPOINT_CONFIG, "c", _unknown(variants), [model])]) == []
    assert _stack_violations([model, _resource(ENDPOINT_CONFIG, "c", _unknown(variants))]) == [
        "c serves a model this stack does not create"
    ]


def test_a_model_read_from_elsewhere_must_be_a_package_too() -> None:
    """A model read with `Model.get` is seen by no resource rule (it is not registered); the stack
    rule sees its outputs."""
    model = _resource(MODEL, "m", {"name": "m-1", "primaryContainer": {"image": "i", "modelDataUrl": "s3://m"}})
    assert _stack_violations([model]) == ["model m is not built from a registry package"]


ENGINE_UNAVAILABLE = engine_unavailable()


@pytest.mark.skipif(ENGINE_UNAVAILABLE is not None, reason=f"engine test skipped: {ENGINE_UNAVAILABLE}")
def test_the_stack_rule_under_a_real_preview(aws: LocalAws, tmp_path: Path) -> None:
    """The engine hands the executable analyzer the whole stack after the resource rules: an
    endpoint serving a config made by hand is refused (a preview only: nothing is created)."""

    def program() -> None:
        EndpointResource("churn-endpoint", {"endpoint_name": "churn", "endpoint_config_name": "made-by-hand"})

    stack = EngineStack(program, aws, tmp_path / "stack")
    try:
        with pytest.raises(CommandError):
            stack.preview(
                policy_packs=[str(REPO / "policy" / "analyzer")],
                policy_pack_configs=[str(REPO / "policy" / "config.prod.json")],
            )
    finally:
        stack.close()
    shown = "\n".join(stack.output)
    assert "sagemaker-served-packages" in shown and "mandatory" in shown
    assert "churn-endpoint serves endpoint config made-by-hand, which this stack does not create" in shown


def test_every_policy_is_tested() -> None:
    stack_rules = {"sagemaker-served-packages"}
    assert {case[0] for case in CASES} | stack_rules == set(POLICIES)
    assert {name for name, policy in POLICIES.items() if isinstance(policy, StackValidationPolicy)} == stack_rules


PRODUCTION_RULES = {
    "sagemaker-training-network-isolation",
    "sagemaker-approved-packages",
    "sagemaker-served-packages",
    "sagemaker-data-capture",
}


def test_production_turns_on_every_production_rule_and_dev_none() -> None:
    def turned_on(config: str) -> set[str]:
        document = json.loads((REPO / "policy" / config).read_text())
        return {name for name, value in document.items() if isinstance(value, dict) and value.get("production")}

    assert turned_on("config.prod.json") == PRODUCTION_RULES
    assert turned_on("config.staging.json") == PRODUCTION_RULES  # staging rehearses prod
    assert turned_on("config.dev.json") == set()


# --- the shipped stacks, rendered offline, against their environment's pack -------------------

PACK_CONFIGS = {"dev": "config.dev.json", "staging": "config.staging.json", "prod": "config.prod.json"}
"""Which pack config each stack is checked with (as .github/workflows name them)."""


def _render(stack: str, tmp_path: Path) -> Path:
    rendered = tmp_path / f"{stack}.json"
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "sagestack"), "render", "--stack", stack, "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rendered.write_text(result.stdout)
    return rendered


def _check(config: str, rendered: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "policy.check_rendered", "--config", f"policy/{config}", str(rendered)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)


def test_the_offline_check_fails_a_rendered_violation_and_passes_a_compliant_stack(tmp_path: Path) -> None:
    bad = [{"path": "prod/c", "type": ENDPOINT_CONFIG, "name": "c", "inputs": _config(dataCaptureConfig=None)}]
    good = [{"path": "prod/c", "type": ENDPOINT_CONFIG, "name": "c", "inputs": _config()}]
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    (tmp_path / "good.json").write_text(json.dumps(good))
    failed = _check("config.prod.json", tmp_path / "bad.json")
    assert failed.returncode == 1
    assert "mandatory: sagemaker-data-capture: prod/c [" in failed.stdout and "need data_capture" in failed.stdout
    passed = _check("config.prod.json", tmp_path / "good.json")
    assert passed.returncode == 0, passed.stdout
    assert "not checked offline" in passed.stdout and "sagemaker-served-packages" in passed.stdout
    assert check_rendered.policy_settings({"x": "advisory"}, "x") == ("advisory", {})
    assert check_rendered.policy_settings({"x": {"enforcementLevel": "disabled", "a": 1}}, "x") == (
        "disabled",
        {"a": 1},
    )


KNOWN_VIOLATIONS: dict[str, set[tuple[str, str]]] = {"dev": set(), "staging": set(), "prod": set()}
"""What the shipped stacks violate: nothing (each environment's `defaults.kms_key_id` reaches
every store, data capture included). Exact sets, so that a new violation fails here."""
VIOLATION_LINE = re.compile(
    r"^.*?: (?P<level>\w+): (?P<policy>[\w-]+): .*?(?P<name>[^/\s]+) \[[^\]]+\]: (?P<message>[^(]*?)(?: \(.*)?$"
)


@pytest.mark.parametrize("stack", sorted(PACK_CONFIGS))
def test_the_shipped_stacks_against_their_environments_pack(stack: str, tmp_path: Path) -> None:
    result = _check(PACK_CONFIGS[stack], _render(stack, tmp_path))
    lines = [match for line in result.stdout.splitlines() if (match := VIOLATION_LINE.match(line))]
    assert {line["policy"] for line in lines} <= {"sagemaker-encryption-keys"}, result.stdout
    assert {(line["name"], line["message"]) for line in lines} == KNOWN_VIOLATIONS[stack], result.stdout
    assert result.returncode == (1 if KNOWN_VIOLATIONS[stack] else 0)
