"""Execution roles the components create when the user gives none, and the parsing that scopes them.

A generated role may do only what its resource needs, on the resources it uses: the policy names
the bucket and key of the artifacts, the image's ECR repository, the resource's own log group and
KMS key ARNs. Those come from the user's URIs, so every URI is parsed and checked first: a URI
with a wildcard (`s3://*/store`) or a policy variable would otherwise turn into a grant on every
bucket, and a KMS alias is not a resource a policy can grant (aliases are resolved to their key).
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.core.service_model import shape_named, validate

SAGEMAKER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
"""A trust policy for roles a program creates itself (the README's training role). The roles the
components generate use `sagemaker_trust_policy`, which also names the account SageMaker acts for."""

IAM_WILDCARDS = ("*", "?", "${")
"""What IAM reads as a wildcard or a policy variable in a policy's `Resource`: a URI holding one
cannot be granted exactly, only as a pattern matching other buckets, keys or keys' owners."""


@dataclass(frozen=True)
class StackScope:
    """Where the stack's resources live: the partition, region and account of the provider's credentials."""

    partition: str
    region: str
    account: str

    def arn(self, service: str, resource: str) -> str:
        """An ARN of `service` in this region and account."""
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"


def stack_scope(parent: pulumi.Resource) -> pulumi.Output[StackScope]:
    """The stack's partition, region and account, from the provider `parent`'s children use (so an
    explicit provider for another region or account is the one asked). The partition is read
    from the caller's ARN (`arn:aws-cn:...` in China), which saves an invoke."""
    invoke = pulumi.InvokeOutputOptions(parent=parent)
    identity, region = aws.get_caller_identity_output(opts=invoke), aws.get_region_output(opts=invoke)
    return pulumi.Output.all(identity.arn, region.region, identity.account_id).apply(
        lambda values: StackScope(partition=str(values[0]).split(":")[1], region=values[1], account=values[2])
    )


def sagemaker_trust_policy(scope: StackScope) -> dict[str, Any]:
    """SageMaker may assume the role only for this account's SageMaker resources in this region.

    A trust naming only the service lets SageMaker assume the role whoever it acts for, so a
    request made for another account could borrow it (the confused deputy). `aws:SourceAccount`
    pins the account SageMaker acts for; `aws:SourceArn` the SageMaker resources it acts for (any
    kind in this region: the model, endpoint or feature group is named only after the role
    exists), as AWS's guidance on cross-service confused deputy prevention for SageMaker recommends.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": scope.account},
                    "ArnLike": {"aws:SourceArn": scope.arn("sagemaker", "*")},
                },
            }
        ],
    }


def sagemaker_role(
    name: str, scope: pulumi.Output[StackScope], policy: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> aws.iam.Role:
    """`<name>-role`, assumable by SageMaker for this account only, with `policy` inline as `<name>-role-policy`."""
    trust = scope.apply(lambda stack: json.dumps(sagemaker_trust_policy(stack)))
    role = aws.iam.Role(f"{name}-role", assume_role_policy=trust, opts=opts)
    aws.iam.RolePolicy(f"{name}-role-policy", role=role.id, policy=policy, opts=pulumi.ResourceOptions(parent=role))
    return role


def refuse_what_the_api_refuses(value: object, api_shape: str) -> None:
    """ValueError with the API's own reason if SageMaker's model refuses `value` as `api_shape`:
    a value both checks refuse is reported in the API's words, whichever check sees it first (the
    role is written while the program runs, before the provider's Check)."""
    for violation in validate(value, shape_named(api_shape))[1]:
        raise ValueError(violation.reason)


# --- S3 URIs -------------------------------------------------------------------------------------

BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
"""A general purpose bucket's name: 3-63 lowercase letters, digits, dots and hyphens, starting and
ending with a letter or digit (S3's bucket naming rules)."""


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key (or key prefix; empty for the whole bucket) of an `s3://` URI."""

    bucket: str
    key: str

    def bucket_arn(self, partition: str) -> str:
        return f"arn:{partition}:s3:::{self.bucket}"

    def object_arn(self, partition: str) -> str:
        """The object the URI names; a URI ending in `/` (or a bare bucket) names the objects under it."""
        if self.key and not self.key.endswith("/"):
            return f"{self.bucket_arn(partition)}/{self.key}"
        return f"{self.bucket_arn(partition)}/{self.key}*"

    def objects_under_arn(self, partition: str) -> str:
        """Every object under the URI taken as a prefix (`s3://b/store` -> `b/store/*`)."""
        prefix = self.key.rstrip("/")
        return f"{self.bucket_arn(partition)}/{prefix}/*" if prefix else f"{self.bucket_arn(partition)}/*"


def parse_s3_uri(uri: object, api_shape: str = "S3Uri") -> S3Location:
    """The bucket and key of an `s3://bucket/key` URI, or ValueError saying what is wrong with it.

    Stricter than the API's own pattern (`(https|s3)://([^/])/?(.*)`, checked first, as
    `api_shape`), because the result goes into an IAM policy: the bucket must be a valid bucket
    name and nothing may be a wildcard.
    """
    refuse_what_the_api_refuses(uri, api_shape)
    if not isinstance(uri, str):
        raise ValueError(f"must be an s3:// URI, not {type(uri).__name__}")
    if not uri.startswith("s3://"):
        raise ValueError(
            f"{uri!r} is not an s3://bucket/key URI; a role is generated only for s3:// URIs (or give role_arn)"
        )
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not BUCKET_NAME.fullmatch(bucket) or ".." in bucket or _is_ip_address(bucket):
        raise ValueError(
            f"{uri!r}: {bucket!r} is not a valid bucket name (3-63 lowercase letters, digits, dots and "
            "hyphens, starting and ending with a letter or digit, not an IP address); a role generated "
            "from it would grant other buckets"
        )
    wildcards = [wildcard for wildcard in IAM_WILDCARDS if wildcard in key]
    if wildcards:
        raise ValueError(
            f"{uri!r}: the key holds {' and '.join(repr(w) for w in wildcards)}, which IAM reads as a wildcard "
            "or policy variable, so a role generated from it would grant other keys"
        )
    return S3Location(bucket, key)


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


# --- ECR images ----------------------------------------------------------------------------------

_REPOSITORY_PART = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"
ECR_IMAGE = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?"
    rf"/(?P<repository>{_REPOSITORY_PART}(?:/{_REPOSITORY_PART})*)"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?"
)
"""`<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag][@sha256:digest]` (FIPS and China too)."""


@dataclass(frozen=True)
class EcrImage:
    """The ECR repository an image is pulled from (which may be another account's, AWS's own images)."""

    account: str
    region: str
    repository: str

    def repository_arn(self, partition: str) -> str:
        return f"arn:{partition}:ecr:{self.region}:{self.account}:repository/{self.repository}"


def parse_ecr_image(uri: object) -> EcrImage:
    """The account, region and repository of an ECR image URI, or ValueError saying the form expected."""
    refuse_what_the_api_refuses(uri, "ContainerImage")
    found = ECR_IMAGE.fullmatch(uri) if isinstance(uri, str) else None
    if found is None:
        raise ValueError(
            f"{uri!r} is not an Amazon ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repository>"
            "[:tag|@sha256:digest]); a role is generated only to pull from ECR (or give role_arn)"
        )
    return EcrImage(found["account"], found["region"], found["repository"])


# --- KMS keys ------------------------------------------------------------------------------------

KEY_ID = re.compile(r"(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
"""A bare key ID: a UUID, or `mrk-` and 32 hex digits for a multi-Region key."""


def is_alias(key: str) -> bool:
    """`alias/name` or an alias ARN (`arn:aws:kms:<region>:<account>:alias/name`)."""
    return key.startswith("alias/") or (key.startswith("arn:") and key.split(":", 5)[-1].startswith("alias/"))


def check_key(key: object) -> str:
    """`key` if it is a form a policy can grant once resolved: a key ARN, a key ID or an alias
    (`alias/name` or an alias ARN). Anything else, a wildcard above all, raises ValueError."""
    refuse_what_the_api_refuses(key, "KmsKeyId")
    if not isinstance(key, str) or not key:
        raise ValueError("must be a KMS key ARN, key ID or alias")
    if any(wildcard in key for wildcard in IAM_WILDCARDS):
        raise ValueError(f"{key!r} holds a wildcard or policy variable; give the key's ARN, ID or alias")
    parts = key.split(":", 5)
    is_key_arn = len(parts) == 6 and parts[0] == "arn" and parts[5].startswith("key/") and parts[5] != "key/"
    if not (is_key_arn or is_alias(key) or KEY_ID.fullmatch(key)):
        raise ValueError(f"{key!r} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), key ID or alias")
    return key


def key_arn(key: object, scope: StackScope) -> str:
    """The key ARN a policy can grant for `key`, which must not be an alias (see `resolved_key_arn`).

    A key ARN is kept; a bare key ID names a key of the stack's account and region, so its ARN is
    built. An alias is refused: IAM matches `Resource` against the key's ARN only, so an alias
    there would grant nothing (and the role could not use the key).
    """
    checked = check_key(key)
    if is_alias(checked):
        raise ValueError(f"{checked!r} is an alias: IAM grants keys by their key ARN, so it must be resolved first")
    return scope.arn("kms", f"key/{checked}") if KEY_ID.fullmatch(checked) else checked


def resolved_key_arn(
    key: pulumi.Input[str], scope: pulumi.Output[StackScope], parent: pulumi.Resource, where: str
) -> pulumi.Output[str]:
    """`key` as the key ARN a policy can grant; an alias (`alias/x` or an alias ARN) is resolved
    to the key it points to with the `aws.kms.getKey` invoke (kms:DescribeKey), at every `up`.

    getKey takes every form (alias name, alias ARN, key ID, key ARN), unlike getAlias, which takes
    alias names only. A refused or unresolvable key raises ValueError starting with `where`.
    """

    def resolve(values: list[Any]) -> pulumi.Output[str] | str:
        given, stack = values[0], values[1]
        if isinstance(given, str) and is_alias(given):
            found = aws.kms.get_key_output(key_id=given, opts=pulumi.InvokeOutputOptions(parent=parent))
            return found.arn.apply(lambda arn: _alias_target(arn, given, stack, where))
        try:
            return key_arn(given, stack)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None

    return pulumi.Output.all(key, scope).apply(resolve)


def _alias_target(arn: str | None, alias: str, scope: StackScope, where: str) -> str:
    if not arn:
        raise ValueError(f"{where}: the KMS alias {alias!r} points to no key this account can describe")
    try:
        return key_arn(arn, scope)
    except ValueError as error:
        raise ValueError(f"{where}: the KMS alias {alias!r} resolved to {error}") from None
