"""`sagestack promote`: copy an Approved package version from one stack file to another.

A promotion is planned offline first (`plan_promotion`): both stack files named and confined to
the stacks directory, read, the package ARN shaped like a registry version, in the registry the
stacks use, and the one `model_package_arn:` line of the target rewritten in memory and re-read
to prove nothing else changed. Only then is the registry asked whether the version is Approved
(`check_approved`, boto3's standard credential chain), and the file written (`write`). Every
refusal is a `PromotionRefused` (exit 1) or, for arguments that name nothing valid,
`PromotionUsage` / `sagestack.stacks.BadStackName` (exit 2); the target file is then untouched.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from components.platform_config import NAMESPACE, stack_values
from sagestack.stacks import STACK_GLOB, STACKS_DIR, confined_stack_file, read_stack, stack_name

PACKAGE_LINE = re.compile(r"^(?P<lead>\s*model_package_arn:\s*)(?P<value>\S+)(?P<rest>\s*(#.*)?)$")
PACKAGE_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):sagemaker:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"model-package/(?P<group>[A-Za-z0-9](?:-*[A-Za-z0-9])*)/(?P<version>\d+)"
)
"""A version in a model package group. SageMaker writes the group's name in lower case in ARNs."""
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/")
ARN_SHAPE = "arn:aws:sagemaker:REGION:ACCOUNT:model-package/GROUP/VERSION"


class PromotionRefused(Exception):
    """Promotion did not happen; the target file is untouched (exit 1)."""


class PromotionUsage(PromotionRefused):
    """The arguments ask for something that is no promotion (exit 2, as argparse's errors)."""


class StackFileUnreadable(PromotionRefused):
    """A stack file is missing, unreadable or not YAML: its own `file: reason` line says it (exit 1)."""


@dataclass(frozen=True)
class Registry:
    """A model package group a stack file registers into, where it lives."""

    group: str
    account: str | None
    """None when the stack file names no account (no role ARN, no `aws:allowedAccountIds`)."""
    region: str | None
    declared_in: Path

    def holds(self, arn: re.Match[str]) -> bool:
        return (
            arn["group"].lower() == self.group.lower()
            and arn["account"] == self.account
            and (self.region is None or arn["region"] == self.region)
        )

    def describe(self) -> str:
        account = f"account {self.account}" if self.account else "an account the file does not name"
        where = f", {self.region}" if self.region else ""
        return f"group {self.group} in {account}{where} ({NAMESPACE}:registry of {self.declared_in})"


@dataclass(frozen=True)
class Plan:
    """A promotion checked offline, ready to be checked in the registry and written."""

    source: str
    target: str
    target_file: Path
    package_arn: str
    current: str
    """What the target serves now."""
    region: str | None
    """The target stack file's `aws:region`, else the source's; None: the AWS chain decides."""
    text: str
    """The target file as it will be written."""

    @property
    def unchanged(self) -> bool:
        return self.current == self.package_arn


@dataclass
class Promotion:
    package_arn: str
    target: Path
    old_value: str


def _config(document: dict[str, Any]) -> dict[str, Any]:
    config = document.get("config") or {}
    return cast(dict[str, Any], config) if isinstance(config, dict) else {}


def _read(path: Path) -> dict[str, Any]:
    document, problems = read_stack(path)
    if document is None:
        raise StackFileUnreadable("; ".join(problem.line() for problem in problems))
    return document


def _region(document: dict[str, Any]) -> str | None:
    region = _config(document).get("aws:region")
    return region if isinstance(region, str) and region else None


def _served(document: dict[str, Any]) -> str | None:
    serving = stack_values(document).get("serving")
    arn = cast(dict[str, Any], serving).get("model_package_arn") if isinstance(serving, dict) else None
    return str(arn) if arn else None


def _accounts(document: dict[str, Any]) -> list[str]:
    """The accounts a stack deploys into, as its file names them: pulumi-aws's `allowedAccountIds`
    (which refuses any other), else the accounts of the roles it gives SageMaker."""
    allowed = _config(document).get("aws:allowedAccountIds")
    if isinstance(allowed, list) and allowed:
        return sorted({str(account) for account in cast(list[Any], allowed)})
    values = stack_values(document)
    roles = [
        cast(dict[str, Any], values.get(section)).get("role_arn")
        for section in ("training", "serving")
        if isinstance(values.get(section), dict)
    ]
    return sorted({match["account"] for role in roles if isinstance(role, str) and (match := ROLE_ARN.match(role))})


def registries(stacks_dir: Path, target: dict[str, Any]) -> list[Registry]:
    """The registries the stacks use: each `sagemaker:registry` group of a stack file in
    `stacks_dir`, in that stack's account. Only stack files that point pulumi-aws at the same
    endpoints as the target count: the `local` stack's registry lives in the local AWS (and its
    made-up account), which no real endpoint can serve from."""
    endpoints = _config(target).get("aws:endpoints")
    found: list[Registry] = []
    for path in sorted(stacks_dir.glob(STACK_GLOB)):
        document, _ = read_stack(path)
        if document is None or _config(document).get("aws:endpoints") != endpoints:
            continue  # an unreadable stack file is `validate`'s to report
        registry = stack_values(document).get("registry")
        group = cast(dict[str, Any], registry).get("group_name") if isinstance(registry, dict) else None
        if not isinstance(group, str):
            continue
        accounts: list[str | None] = [*_accounts(document)] or [None]
        found += [Registry(group, account, _region(document), path) for account in accounts]
    return found


def _check_registry(arn: str, match: re.Match[str], stacks_dir: Path, target: dict[str, Any], whose: str) -> None:
    known = registries(stacks_dir, target)
    if any(registry.holds(match) for registry in known):
        return
    bypass = "--allow-foreign-package promotes it anyway"
    if not known:
        raise PromotionRefused(
            f"{arn}{whose} cannot be checked against the registry: no stack file in {stacks_dir} has a "
            f"{NAMESPACE}:registry for the AWS the target uses; {bypass}"
        )
    if all(registry.account is None for registry in known):
        raise PromotionRefused(
            f"{arn}{whose} cannot be checked against the registry: {known[0].declared_in} names no account "
            "(a role_arn, or aws:allowedAccountIds); name it, or " + bypass
        )
    places = "; ".join(registry.describe() for registry in known)
    raise PromotionRefused(f"{arn}{whose} is not in the registry the stacks use: {places}\n{bypass}")


def _rewrite(path: Path, text: str, document: dict[str, Any], arn: str) -> tuple[str, str]:
    """The target's current value and its text with only the value of `model_package_arn:` changed,
    re-read to prove that nothing else in the document changed."""
    lines = text.splitlines(keepends=True)
    matches = [index for index, line in enumerate(lines) if PACKAGE_LINE.match(line.rstrip("\r\n"))]
    if len(matches) != 1:
        raise PromotionRefused(f"{path}: expected exactly one model_package_arn line, found {len(matches)}")
    index = matches[0]
    body = lines[index].rstrip("\r\n")
    match = PACKAGE_LINE.match(body)
    assert match is not None
    current = _served(document)
    if current is None:
        raise PromotionRefused(f"{path}: {NAMESPACE}.serving.model_package_arn is not set: edit the file by hand")
    lines[index] = f"{match['lead']}{arn}{match['rest']}{lines[index][len(body) :]}"
    rewritten = "".join(lines)
    expected = copy.deepcopy(document)
    expected["config"][f"{NAMESPACE}:serving"]["model_package_arn"] = arn
    try:
        same = yaml.safe_load(rewritten) == expected
    except yaml.YAMLError:
        same = False
    if not same:  # the line was not the key (a block scalar, another mapping), or quoting mattered
        raise PromotionRefused(
            f"{path}: rewriting its model_package_arn line would change more than "
            f"{NAMESPACE}.serving.model_package_arn: edit the file by hand"
        )
    return current, rewritten


def plan_promotion(
    source: str,
    target: str,
    stacks_dir: Path = STACKS_DIR,
    *,
    package_arn: str | None = None,
    allow_foreign_package: bool = False,
) -> Plan:
    """Everything about a promotion that can be checked without AWS; raises `PromotionRefused`,
    `PromotionUsage` or `BadStackName`."""
    source_file = confined_stack_file(source, stacks_dir)
    target_file = confined_stack_file(target, stacks_dir)
    if source_file.resolve() == target_file.resolve():
        raise PromotionUsage(f"--from and --to both name {target_file}: promote from one stack to another")
    if package_arn is not None and PACKAGE_ARN.fullmatch(package_arn) is None:
        raise PromotionUsage(f"--package-arn {package_arn}: not a model package version ARN ({ARN_SHAPE})")
    source_document = _read(source_file)
    target_document = _read(target_file)
    whose = ""
    if package_arn is None:
        package_arn = _served(source_document)
        if package_arn is None:
            raise PromotionRefused(f"{source_file}: {NAMESPACE}.serving.model_package_arn is not set")
        whose = f" (what {stack_name(source_file)} serves)"
        if PACKAGE_ARN.fullmatch(package_arn) is None:
            raise PromotionRefused(
                f"{source_file}: {NAMESPACE}.serving.model_package_arn is {package_arn}, "
                f"not a model package version ({ARN_SHAPE})"
            )
    match = PACKAGE_ARN.fullmatch(package_arn)
    assert match is not None
    deploys_to = _region(target_document)
    if deploys_to and match["region"] != deploys_to:  # CreateModel would refuse it at `pulumi up`
        raise PromotionRefused(
            f"{package_arn}{whose} is in {match['region']}, and {target_file} deploys to {deploys_to} "
            "(aws:region): an endpoint serves a package from its own region only"
        )
    if not allow_foreign_package:
        _check_registry(package_arn, match, stacks_dir, target_document, whose)
    # Bytes, not text: reading text would turn CRLF line ends into LF when written back.
    text = target_file.read_bytes().decode()
    current, rewritten = _rewrite(target_file, text, target_document, package_arn)
    return Plan(
        source=stack_name(source_file),
        target=stack_name(target_file),
        target_file=target_file,
        package_arn=package_arn,
        current=current,
        region=_region(target_document) or _region(source_document),
        text=rewritten,
    )


CLIENT_ERROR_HINTS = {
    "AccessDenied": "your credentials may not call sagemaker:DescribeModelPackage on it",
    "AccessDeniedException": "your credentials may not call sagemaker:DescribeModelPackage on it",
    "ValidationException": "no such package version in the registry (check the ARN and the region)",
    "ResourceNotFound": "no such package version in the registry (check the ARN and the region)",
    "ExpiredToken": "your credentials have expired: sign in again",
    "ExpiredTokenException": "your credentials have expired: sign in again",
    "RequestExpired": "your credentials have expired (or the clock is wrong): sign in again",
    "UnrecognizedClientException": "AWS does not know these credentials: check them (aws sts get-caller-identity)",
    "InvalidClientTokenId": "AWS does not know these credentials: check them (aws sts get-caller-identity)",
    "InvalidSignatureException": "AWS refused the signature: check the secret key and the clock",
}
SIGN_IN = "sign in (aws sso login, aws configure, AWS_PROFILE, or the AWS_* variables) and run again"


def _aws_problem(error: Exception) -> str:
    """One line for an AWS error, with what to do about it."""
    from botocore.exceptions import (  # noqa: PLC0415 - botocore loads in ~0.3 s; only promote needs it
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ProfileNotFound,
    )

    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", "Unknown"))
        hint = CLIENT_ERROR_HINTS.get(code)
        said = f"{code}: {details.get('Message', '')}".rstrip(": ")
        return f"{said} ({hint})" if hint else said
    if isinstance(error, NoCredentialsError):
        return f"no AWS credentials found: {SIGN_IN}"
    if isinstance(error, ProfileNotFound):
        return f"{error}: check AWS_PROFILE against ~/.aws/config"
    if isinstance(error, PartialCredentialsError):
        return f"{error}: {SIGN_IN}"
    if isinstance(error, NoRegionError):
        return "no AWS region: set aws:region in the target stack file, or AWS_REGION"
    if isinstance(error, EndpointConnectionError):
        return f"{error} (check the network, the region and AWS_ENDPOINT_URL)"
    return str(error)


def sagemaker_client(region: str | None) -> Any:
    """A SageMaker client from boto3's standard chain. The region is the stack file's if it has
    one, else AWS_REGION, else the rest of the chain (AWS_DEFAULT_REGION, the profile): boto3
    releases before 1.37 read only AWS_DEFAULT_REGION, so AWS_REGION is passed explicitly."""
    import boto3  # noqa: PLC0415 - see _aws_problem
    from botocore.exceptions import BotoCoreError  # noqa: PLC0415

    try:
        session = boto3.Session(region_name=region or os.environ.get("AWS_REGION") or None)
        if session.region_name is None:
            raise PromotionRefused(
                "no AWS region: set aws:region in the target stack file, or AWS_REGION (or AWS_DEFAULT_REGION)"
            )
        return session.client("sagemaker")
    except BotoCoreError as error:
        raise PromotionRefused(_aws_problem(error)) from error


def check_approved(package_arn: str, sagemaker: Any) -> None:
    """Refuse unless the registry says the version is Approved."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    try:
        package = sagemaker.describe_model_package(ModelPackageName=package_arn)
    except (BotoCoreError, ClientError) as error:
        raise PromotionRefused(f"{package_arn}: cannot be read from the registry: {_aws_problem(error)}") from error
    status = package.get("ModelApprovalStatus")
    if status != "Approved":
        raise PromotionRefused(f"{package_arn} is {status}, not Approved: approve it in the registry first")


def write(plan: Plan) -> Promotion:
    # The resolved path: `confined_stack_file` checked that one, not whatever a link names.
    plan.target_file.resolve().write_bytes(plan.text.encode())
    return Promotion(plan.package_arn, plan.target_file, plan.current)


def promote(
    source: str,
    target: str,
    sagemaker: Any,
    *,
    package_arn: str | None = None,
    stacks_dir: Path = STACKS_DIR,
    allow_foreign_package: bool = False,
) -> Promotion:
    """Copy the package version `source` serves (or `package_arn`) into `target`'s stack file, if it
    is in the stacks' registry and Approved. Only the `model_package_arn:` line of the target
    changes; comments and layout stay. Nothing is written when the target already serves it."""
    plan = plan_promotion(
        source, target, stacks_dir, package_arn=package_arn, allow_foreign_package=allow_foreign_package
    )
    if plan.unchanged:
        return Promotion(plan.package_arn, plan.target_file, plan.current)
    check_approved(plan.package_arn, sagemaker)
    return write(plan)
