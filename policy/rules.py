"""SageMaker guardrails, as plain functions over one resource's type and properties.

Each check returns the violations it finds (empty: compliant); `policies()` wraps them in
CrossGuard `ResourceValidationPolicy` objects. Pulumi-aws properties arrive camelCased
(`kmsKeyArn`); our dynamic resources keep their own names (`request`, `online_store`).

Config (per policy, from `--policy-pack-config`): `production` (bool) turns on the
production-only rules; `allowedInstanceTypes` (list) limits instance types per environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

TRAINING_JOB = "pulumi-python:dynamic/sagemaker:TrainingJob"
MODEL_PACKAGE = "pulumi-python:dynamic/sagemaker:ModelPackage"
FEATURE_GROUP = "pulumi-python:dynamic/sagemaker:FeatureGroup"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
MODEL = "aws:sagemaker/model:Model"
BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACLS = ("public-read", "public-read-write")

Props = Mapping[str, Any]
Config = Mapping[str, Any]


def encryption_keys(resource_type: str, props: Props, config: Config) -> list[str]:
    """A KMS key wherever the API takes one: training output and volume, endpoint volume and
    data capture, feature store online and offline stores."""
    found: list[str] = []
    if resource_type == TRAINING_JOB:
        request = props.get("request") or {}
        if not (request.get("OutputDataConfig") or {}).get("KmsKeyId"):
            found.append("training output has no KMS key (kms_key_id)")
    if resource_type == ENDPOINT_CONFIG:
        if not props.get("kmsKeyArn") and not any(
            v.get("serverlessConfig") for v in props.get("productionVariants") or []
        ):
            found.append("endpoint volumes have no KMS key (kms_key_id)")
        capture = props.get("dataCaptureConfig")
        if capture and not capture.get("kmsKeyId"):
            found.append("data capture has no KMS key (data_capture.kms_key_id)")
    if resource_type == FEATURE_GROUP:
        offline = props.get("offline_store")
        if offline and not (offline.get("S3StorageConfig") or {}).get("KmsKeyId"):
            found.append("the offline store has no KMS key (offline_store.kms_key_id)")
        online = props.get("online_store")
        if online and online.get("EnableOnlineStore") and not (online.get("SecurityConfig") or {}).get("KmsKeyId"):
            found.append("the online store has no KMS key (online_store.kms_key_id)")
    return found


def training_network_isolation(resource_type: str, props: Props, config: Config) -> list[str]:
    """In production, training jobs run with network isolation."""
    if not config.get("production") or resource_type != TRAINING_JOB:
        return []
    if (props.get("request") or {}).get("EnableNetworkIsolation") is not True:
        return ["production training jobs need networking.enable_network_isolation=True"]
    return []


def approved_packages(resource_type: str, props: Props, config: Config) -> list[str]:
    """In production, models come from the registry, and packages registered are Approved."""
    if not config.get("production"):
        return []
    if resource_type == MODEL_PACKAGE and props.get("approval_status") != "Approved":
        return [f"production registers only Approved packages (this one is {props.get('approval_status')})"]
    if resource_type == MODEL and not (props.get("primaryContainer") or {}).get("modelPackageName"):
        return ["production models must be created from an approved model package (model_source)"]
    return []


def allowed_instance_types(resource_type: str, props: Props, config: Config) -> list[str]:
    """Instance types limited to the environment's `allowedInstanceTypes` (none given: any)."""
    allowed = config.get("allowedInstanceTypes") or []
    if not allowed:
        return []
    used: list[str] = []
    if resource_type == TRAINING_JOB:
        used.append(((props.get("request") or {}).get("ResourceConfig") or {}).get("InstanceType", ""))
    if resource_type == ENDPOINT_CONFIG:
        used += [v.get("instanceType", "") for v in props.get("productionVariants") or [] if v.get("instanceType")]
    return [
        f"instance type {t} is not allowed here (allowed: {', '.join(allowed)})" for t in used if t and t not in allowed
    ]


def data_capture(resource_type: str, props: Props, config: Config) -> list[str]:
    """In production, endpoints on instances capture data (for model monitoring)."""
    if not config.get("production") or resource_type != ENDPOINT_CONFIG:
        return []
    if any(v.get("serverlessConfig") for v in props.get("productionVariants") or []):
        return []  # serverless endpoints cannot capture data
    if not (props.get("dataCaptureConfig") or {}).get("enableCapture"):
        return ["production endpoints need data_capture"]
    return []


def no_public_s3(resource_type: str, props: Props, config: Config) -> list[str]:
    """No public buckets, and model outputs only to s3:// locations."""
    found: list[str] = []
    if resource_type == BUCKET and props.get("acl") in PUBLIC_ACLS:
        found.append(f"bucket ACL {props.get('acl')} makes it public")
    if resource_type == TRAINING_JOB:
        path = ((props.get("request") or {}).get("OutputDataConfig") or {}).get("S3OutputPath", "")
        if path and not str(path).startswith("s3://"):
            found.append(f"training output {path} is not an s3:// location")
    if resource_type == ENDPOINT_CONFIG:
        destination = (props.get("dataCaptureConfig") or {}).get("destinationS3Uri", "")
        if destination and not str(destination).startswith("s3://"):
            found.append(f"data capture destination {destination} is not an s3:// location")
    return found


Check = Callable[[str, Props, Config], list[str]]
CHECKS: dict[str, tuple[Check, str]] = {
    "sagemaker-encryption-keys": (encryption_keys, "KMS keys wherever SageMaker takes one"),
    "sagemaker-training-network-isolation": (training_network_isolation, "network isolation for production training"),
    "sagemaker-approved-packages": (approved_packages, "production serves only Approved registry packages"),
    "sagemaker-allowed-instance-types": (allowed_instance_types, "instance types limited per environment"),
    "sagemaker-data-capture": (data_capture, "data capture on in production"),
    "sagemaker-no-public-s3": (no_public_s3, "no public buckets or non-S3 outputs"),
}
CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "production": {"type": "boolean", "default": False},
        "allowedInstanceTypes": {"type": "array", "items": {"type": "string"}, "default": []},
    }
)


def _validate(check: Check) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in check(args.resource_type, args.props, args.get_config() or {}):
            report_violation(message, None)

    return validate


def policies() -> list[ResourceValidationPolicy]:
    return [
        ResourceValidationPolicy(
            name=name,
            description=description,
            validate=_validate(check),
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=CONFIG_SCHEMA,
        )
        for name, (check, description) in CHECKS.items()
    ]
