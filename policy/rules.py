"""SageMaker guardrails, as plain functions over one resource's type and properties (and, for
what no single resource shows, over the whole stack).

Each resource check returns the violations it finds (empty: compliant); `policies()` wraps them
in CrossGuard `ResourceValidationPolicy` objects, and `served_packages` in a
`StackValidationPolicy`. Pulumi-aws properties arrive camelCased (`kmsKeyArn`); our dynamic
resources keep their own names (`request`, `online_store`).

Config (per policy, from `--policy-pack-config`): `production` (bool) turns on the
production-only rules; `allowedInstanceTypes` (list) limits instance types per environment.

Values a preview does not know yet (an ARN another resource will create) are read as `UNKNOWN`,
not as an error: the engine would otherwise skip the whole policy for that resource with an
advisory note. An unknown value is *present* (a KMS key wired from a key resource is set), but
its content cannot be judged until `pulumi up`, where every input is known and checked again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

# Our dynamic resources (components/providers).
TRAINING_JOB = "pulumi-python:dynamic/sagemaker:TrainingJob"
MODEL_PACKAGE = "pulumi-python:dynamic/sagemaker:ModelPackage"
FEATURE_GROUP = "pulumi-python:dynamic/sagemaker:FeatureGroup"
ENDPOINT = "pulumi-python:dynamic/sagemaker:Endpoint"
# pulumi-aws resources.
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
MODEL = "aws:sagemaker/model:Model"
NATIVE_ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
NATIVE_FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
BUCKET = "aws:s3/bucket:Bucket"
BUCKETS = (BUCKET, "aws:s3/bucketV2:BucketV2")
BUCKET_ACLS = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
PUBLIC_ACCESS_BLOCKS = (
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
)

# `authenticated-read` grants every AWS account, which S3 counts as public too.
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
PUBLIC_ACCESS_SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")

INSTANCE_STORAGE = re.compile(r"^ml\.([a-z]+\d+[a-z]*d[a-z]*|g5|g6|g6e|p5|p5e|p5en|trn1|trn1n|trn2)\.")
"""Instance families with local NVMe storage: SageMaker refuses a volume KMS key for them (their
instance storage is encrypted by the hardware). The same pattern as `components.rules.training_job`'s,
which the program uses to decide where it sets one; tests/test_policy_pack.py holds them equal.
Kept here because the pack runs on its own (policy/requirements.txt), without the components."""

Props = Mapping[str, Any]
Config = Mapping[str, Any]


class _Unknown:
    """A value a preview does not know yet."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()


def at(value: Any, *path: str | int) -> Any:
    """The value at `path` under `value`: None where something on the way is missing, UNKNOWN
    where the engine does not know it yet (reading it through CrossGuard's proxy raises)."""
    node = value
    for step in path:
        if node is UNKNOWN:
            return UNKNOWN  # whatever is inside a value not known yet is not known either
        try:
            if isinstance(step, int):
                if not _is_list(node) or step >= len(node):
                    return None
                node = node[step]
            else:
                node = node.get(step) if isinstance(node, Mapping) else None
        except UnknownValueError:
            return UNKNOWN
        if node is None:
            return None
    return node


def each(value: Any, *path: str) -> list[Any]:
    """The items of the list at `path` (none if it is missing or unknown; an unknown item is UNKNOWN)."""
    items = at(value, *path)
    return [at(items, index) for index in range(len(items))] if _is_list(items) else []


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _known(value: Any) -> bool:
    return value is not None and value is not UNKNOWN


def encryption_keys(resource_type: str, props: Props, config: Config) -> list[str]:
    """A KMS key wherever the API takes one: training output and volumes, endpoint volumes, data
    capture and async inference output, feature store online and offline stores."""
    found: list[str] = []
    if resource_type == TRAINING_JOB:
        request = at(props, "request")
        if not at(request, "OutputDataConfig", "KmsKeyId"):
            found.append("training output has no KMS key (kms_key_id)")
        types = [at(request, "ResourceConfig", "InstanceType")]
        types += [at(group, "InstanceType") for group in each(request, "ResourceConfig", "InstanceGroups")]
        types = [t for t in types if t is not None]
        # Instance storage is encrypted by the hardware, and SageMaker refuses a volume key for it.
        takes_volume_key = all(isinstance(t, str) and not INSTANCE_STORAGE.match(t) for t in types)
        if takes_volume_key and not at(request, "ResourceConfig", "VolumeKmsKeyId"):
            found.append("training volumes have no KMS key (kms_key_id, or compute.volume_kms_key_id)")
    if resource_type == ENDPOINT_CONFIG:
        if not at(props, "kmsKeyArn") and not any(at(v, "serverlessConfig") for v in each(props, "productionVariants")):
            found.append("endpoint volumes have no KMS key (kms_key_id)")
        capture = at(props, "dataCaptureConfig")
        if capture and not at(capture, "kmsKeyId"):
            found.append("data capture has no KMS key (data_capture.kms_key_id)")
        async_inference = at(props, "asyncInferenceConfig")
        if async_inference and not at(async_inference, "outputConfig", "kmsKeyId"):
            found.append("async inference output has no KMS key (async_inference.kms_key_id)")
    if resource_type == FEATURE_GROUP:
        offline = at(props, "offline_store")
        if offline and not at(offline, "S3StorageConfig", "KmsKeyId"):
            found.append("the offline store has no KMS key (offline_store.kms_key_id)")
        online = at(props, "online_store")
        if online and at(online, "EnableOnlineStore") and not at(online, "SecurityConfig", "KmsKeyId"):
            found.append("the online store has no KMS key (online_store.kms_key_id)")
    if resource_type == NATIVE_FEATURE_GROUP:
        offline = at(props, "offlineStoreConfig")
        if offline and not at(offline, "s3StorageConfig", "kmsKeyId"):
            found.append("the offline store has no KMS key (offline_store_config.s3_storage_config.kms_key_id)")
        online = at(props, "onlineStoreConfig")
        if online and at(online, "enableOnlineStore") and not at(online, "securityConfig", "kmsKeyId"):
            found.append("the online store has no KMS key (online_store_config.security_config.kms_key_id)")
    return found


def training_network_isolation(resource_type: str, props: Props, config: Config) -> list[str]:
    """In production, training jobs run with network isolation."""
    if not config.get("production") or resource_type != TRAINING_JOB:
        return []
    isolation = at(props, "request", "EnableNetworkIsolation")
    if isolation is not True and isolation is not UNKNOWN:
        return ["production training jobs need networking.enable_network_isolation=True"]
    return []


def approved_packages(resource_type: str, props: Props, config: Config) -> list[str]:
    """In production, packages registered are Approved, and every container of a model is a
    registry package. Which package a model names, and whether *that* one is Approved, is the
    stack check `served_packages`: one resource's inputs show only an ARN."""
    if not config.get("production"):
        return []
    if resource_type == MODEL_PACKAGE:
        status = at(props, "approval_status")
        if status != "Approved" and status is not UNKNOWN:
            return [f"production registers only Approved packages (this one is {status})"]
    if resource_type == MODEL:
        containers = [at(props, "primaryContainer"), *each(props, "containers")]
        containers = [container for container in containers if container is not None]
        if not containers or any(
            container is not UNKNOWN and not at(container, "modelPackageName") for container in containers
        ):
            return ["production models must be created from an approved model package (model_source)"]
    return []


def allowed_instance_types(resource_type: str, props: Props, config: Config) -> list[str]:
    """Instance types limited to the environment's `allowedInstanceTypes` (none given: any):
    a training job's instance type and each of its instance groups'; every production and
    shadow variant of an endpoint config."""
    allowed = config.get("allowedInstanceTypes") or []
    if not allowed:
        return []
    used: list[Any] = []
    if resource_type == TRAINING_JOB:
        resources = at(props, "request", "ResourceConfig")
        used.append(at(resources, "InstanceType"))
        used += [at(group, "InstanceType") for group in each(resources, "InstanceGroups")]
    if resource_type == ENDPOINT_CONFIG:
        variants = [*each(props, "productionVariants"), *each(props, "shadowProductionVariants")]
        used += [at(variant, "instanceType") for variant in variants]
    return [
        f"instance type {t} is not allowed here (allowed: {', '.join(allowed)})"
        for t in dict.fromkeys(used)
        if isinstance(t, str) and t and t not in allowed
    ]


def data_capture(resource_type: str, props: Props, config: Config) -> list[str]:
    """In production, endpoints on instances capture data (for model monitoring), a sample of
    more than 0 %: capture at 0 % is capture turned off."""
    if not config.get("production") or resource_type != ENDPOINT_CONFIG:
        return []
    if any(at(v, "serverlessConfig") for v in each(props, "productionVariants")):
        return []  # serverless endpoints cannot capture data
    capture = at(props, "dataCaptureConfig")
    if capture is UNKNOWN:
        return []
    enabled = at(capture, "enableCapture")
    if not enabled and enabled is not UNKNOWN:
        return ["production endpoints need data_capture"]
    sampling = at(capture, "initialSamplingPercentage")
    if sampling is not UNKNOWN and not (isinstance(sampling, int | float) and sampling > 0):
        shown = f"{sampling:g}" if isinstance(sampling, int | float) else sampling  # numbers arrive as floats
        return [f"production data capture must sample more than 0 % (data_capture.sampling_percentage is {shown})"]
    return []


def no_public_s3(resource_type: str, props: Props, config: Config) -> list[str]:
    """No public buckets (by ACL, grant, bucket policy, or a public access block left open), and
    outputs only to s3:// locations."""
    found: list[str] = []
    if resource_type in (*BUCKETS, *BUCKET_ACLS):
        acl = at(props, "acl")
        if acl in PUBLIC_ACLS:
            found.append(f"bucket ACL {acl} makes it public")
        grants = [*each(props, "grants"), *each(props, "accessControlPolicy", "grants")]
        for grant in grants:
            grantee = at(grant, "uri") or at(grant, "grantee", "uri")
            if grantee in PUBLIC_GRANTEES:
                found.append(f"a grant to {grantee.rsplit('/', 1)[-1]} makes the bucket public")
    if resource_type in (*BUCKETS, BUCKET_POLICY):
        found += [f"the bucket policy makes it public: {reason}" for reason in public_statements(at(props, "policy"))]
    if resource_type in PUBLIC_ACCESS_BLOCKS:
        # pulumi-aws defaults each setting to false: one left out is one left open.
        open_settings = [
            name for name in PUBLIC_ACCESS_SETTINGS if at(props, name) is not True and at(props, name) is not UNKNOWN
        ]
        if open_settings:
            found.append(f"the public access block leaves {', '.join(open_settings)} off: set all four to true")
    if resource_type == TRAINING_JOB:
        found += _not_s3("training output", at(props, "request", "OutputDataConfig", "S3OutputPath"))
    if resource_type == ENDPOINT_CONFIG:
        found += _not_s3("data capture destination", at(props, "dataCaptureConfig", "destinationS3Uri"))
        output = at(props, "asyncInferenceConfig", "outputConfig")
        found += _not_s3("async inference output", at(output, "s3OutputPath"))
        found += _not_s3("async inference failure path", at(output, "s3FailurePath"))
    return found


def _not_s3(what: str, path: Any) -> list[str]:
    if isinstance(path, str) and path and not path.startswith("s3://"):
        return [f"{what} {path} is not an s3:// location"]
    return []


# What S3 accepts as limiting a policy granted to everyone to someone in particular ("The meaning
# of public", S3 User Guide); any other condition (aws:SecureTransport, a date) limits nothing.
RESTRICTING_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:SourceIp",
        "aws:SourceArn",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceOwner",
        "aws:SourceAccount",
        "aws:userid",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:DataAccessPointArn",
        "s3:DataAccessPointAccount",
    )
)
# Operators that hold a request to the values given. Negations (StringNotEquals) and `...IfExists`
# (which passes a request without the key) restrict nothing.
RESTRICTING_OPERATORS = frozenset(
    op.lower() for op in ("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "IpAddress")
)
OPEN_NETWORKS = frozenset({"0.0.0.0/0", "::/0"})


def public_statements(policy: Any) -> list[str]:
    """Why a bucket policy document (JSON text or already parsed) is public: each Allow statement
    granted to everyone (`Principal: "*"`, `{"AWS": "*"}`, or `NotPrincipal`) without a condition
    that limits it to fixed sources. Not yet known, or not JSON (which S3 refuses): nothing to say."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return []
    if not isinstance(policy, Mapping):
        return []
    statements = at(policy, "Statement")
    statements = [statements] if isinstance(statements, Mapping) else each(policy, "Statement")
    reasons: list[str] = []
    for index, statement in enumerate(statements):
        if not isinstance(statement, Mapping) or at(statement, "Effect") != "Allow":
            continue
        everyone = at(statement, "NotPrincipal") is not None or _everyone(at(statement, "Principal"))
        if everyone and not _restricted(at(statement, "Condition")):
            name = at(statement, "Sid") or f"Statement[{index}]"
            reasons.append(f"{name} allows everyone (Principal *) with no condition limiting who")
    return reasons


def _everyone(principal: Any) -> bool:
    if isinstance(principal, str):
        return "*" in principal
    if isinstance(principal, Mapping):
        values = at(principal, "AWS")
        values = [values] if isinstance(values, str) else each(principal, "AWS")
        return any(isinstance(value, str) and "*" in value for value in values)
    return False


def _restricted(condition: Any) -> bool:
    if not isinstance(condition, Mapping):
        return False
    for operator in condition:
        clauses = at(condition, operator)
        if str(operator).lower() not in RESTRICTING_OPERATORS or not isinstance(clauses, Mapping):
            continue
        for key in clauses:
            values = at(clauses, key)
            values = [values] if not _is_list(values) else each(clauses, key)
            if str(key).lower() in RESTRICTING_KEYS and values and all(_fixed(value, operator) for value in values):
                return True
    return False


def _fixed(value: Any, operator: str) -> bool:
    """A value that names one source: no wildcard, no policy variable, not the whole internet."""
    if not isinstance(value, str) or not value or "${" in value:
        return False
    if operator.lower() == "ipaddress":
        return value not in OPEN_NETWORKS
    return "*" not in value and "?" not in value


# --- the stack check: what a production endpoint serves --------------------------------------


def served_packages(resources: Sequence[PolicyResource], config: Config) -> list[tuple[str, str]]:
    """In production, what endpoints serve is visible in this stack and Approved as far as the stack
    shows it: (urn, message) for each model whose package *in this stack* has a recorded approval
    status other than Approved (a package's `approval_status` output; live after `pulumi refresh`),
    each model not built from a registry package (read models included, which no resource policy
    sees), and each endpoint config or endpoint that serves a model or config this stack does not
    have (whatever it serves would escape every rule here).

    A package registered elsewhere (the ARN promoted into prod's stack file) shows only as that
    ARN: its approval status is in the registry, not in any resource of the stack, so this check
    cannot see it. `sagestack promote` and the program (DescribeModelPackage) refuse it."""
    if not config.get("production"):
        return []
    found: list[tuple[str, str]] = []
    of_type = _by_type(resources)
    models, configs = of_type.get(MODEL, []), of_type.get(ENDPOINT_CONFIG, [])
    by_arn = {at(p.props, "arn"): p for p in of_type.get(MODEL_PACKAGE, []) if _known(at(p.props, "arn"))}
    for model in models:
        containers = [at(model.props, "primaryContainer"), *each(model.props, "containers")]
        names = [at(container, "modelPackageName") for container in containers]
        if all(name is None for name in names):
            found.append((model.urn, f"model {model.name} is not built from a registry package"))
        # The package a model names, by the dependency its ARN carries (not known in a first
        # preview) or by the ARN itself.
        linked = {d.urn: d for d in _dependencies(model) if d.resource_type == MODEL_PACKAGE}
        linked |= {by_arn[name].urn: by_arn[name] for name in names if _known(name) and name in by_arn}
        for package in linked.values():
            status = at(package.props, "approval_status")
            if status != "Approved" and status is not UNKNOWN:
                found.append((model.urn, f"model {model.name} serves package {package.name}, which is {status}"))
    for endpoint_config in configs:
        variants = [*each(endpoint_config.props, "productionVariants")]
        variants += each(endpoint_config.props, "shadowProductionVariants")
        for variant in variants:
            found += _outside(endpoint_config, at(variant, "modelName"), models, "model")
    for endpoint in of_type.get(ENDPOINT, []):
        found += _outside(endpoint, at(endpoint.props, "endpoint_config_name"), configs, "endpoint config")
    for endpoint in of_type.get(NATIVE_ENDPOINT, []):
        found += _outside(endpoint, at(endpoint.props, "endpointConfigName"), configs, "endpoint config")
    return found


def _by_type(resources: Iterable[PolicyResource]) -> dict[str, list[PolicyResource]]:
    grouped: dict[str, list[PolicyResource]] = {}
    for resource in resources:
        grouped.setdefault(resource.resource_type, []).append(resource)
    return grouped


def _dependencies(resource: PolicyResource) -> list[PolicyResource]:
    """The resources whose outputs flow into `resource`'s properties (or that it depends on)."""
    return [*resource.dependencies, *(d for deps in resource.property_dependencies.values() for d in deps)]


def _outside(resource: PolicyResource, name: Any, candidates: list[PolicyResource], what: str) -> list[tuple[str, str]]:
    """A violation if `resource` serves a `what` named `name` that is none of `candidates` (by
    their `name` output). A name not known yet comes from another resource's output: one of the
    candidates' if `resource` depends on one of them."""
    if name is None:
        return []
    if name is UNKNOWN:
        if {d.urn for d in _dependencies(resource)} & {c.urn for c in candidates}:
            return []
        return [(resource.urn, f"{resource.name} serves a {what} this stack does not create")]
    if name in {at(candidate.props, "name") for candidate in candidates}:
        return []
    return [(resource.urn, f"{resource.name} serves {what} {name}, which this stack does not create")]


Check = Callable[[str, Props, Config], list[str]]
CHECKS: dict[str, tuple[Check, str]] = {
    "sagemaker-encryption-keys": (encryption_keys, "KMS keys wherever SageMaker takes one"),
    "sagemaker-training-network-isolation": (training_network_isolation, "network isolation for production training"),
    "sagemaker-approved-packages": (
        approved_packages,
        "production registers Approved packages and serves only packages",
    ),
    "sagemaker-allowed-instance-types": (allowed_instance_types, "instance types limited per environment"),
    "sagemaker-data-capture": (data_capture, "data capture on (sampling above 0 %) in production"),
    "sagemaker-no-public-s3": (no_public_s3, "no public buckets or non-S3 outputs"),
}
StackCheck = Callable[[Sequence[PolicyResource], Config], list[tuple[str, str]]]
STACK_CHECKS: dict[str, tuple[StackCheck, str]] = {
    "sagemaker-served-packages": (
        served_packages,
        "production endpoints serve this stack's models, from packages recorded as Approved",
    ),
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


def _validate_stack(check: StackCheck) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for urn, message in check(args.resources, args.get_config() or {}):
            report_violation(message, urn)

    return validate


def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    resource_policies: list[ResourceValidationPolicy | StackValidationPolicy] = [
        ResourceValidationPolicy(
            name=name,
            description=description,
            validate=_validate(check),
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=CONFIG_SCHEMA,
        )
        for name, (check, description) in CHECKS.items()
    ]
    stack_policies = [
        StackValidationPolicy(
            name=name,
            description=description,
            validate=_validate_stack(check),
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=CONFIG_SCHEMA,
        )
        for name, (check, description) in STACK_CHECKS.items()
    ]
    return resource_policies + stack_policies
