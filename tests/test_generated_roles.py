"""Every IAM role a component generates, under Pulumi's mocks: least privilege, read from the
policy documents the program registers (not from the code that writes them).

- No `*` in a `Resource` unless every action of the statement is one AWS offers no resource for
  (`WILDCARD_ONLY_ACTIONS`); a wildcard elsewhere may only end an ARN whose account, region and
  parent (bucket, log group, database) are concrete: "everything under this", never "any bucket".
- Trust: SageMaker only, for the stack's account (`aws:SourceAccount`) and its SageMaker
  resources in the stack's region (`aws:SourceArn`).
- Scope: the model's artifact object, the image's ECR repository, the endpoint's log group, the
  offline store's prefix, and KMS keys by key ARN (an alias is resolved through `aws.kms.getKey`).
- A URI no exact policy can be written for is refused, naming the argument, before anything is
  registered (literal) or when it resolves (an Output).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from components import (
    Compute,
    Feature,
    FeatureGroup,
    InstanceVariant,
    ModelEndpoint,
    ModelPackage,
    OfflineStore,
    OutputDataConfig,
    TrainingJob,
)
from sagestack.testing.mocks import ACCOUNT_ID, REGION, PlatformMocks, ProgramRun, run_program

WILDCARD_ONLY_ACTIONS: dict[str, str] = {
    "ecr:GetAuthorizationToken": "ECR's login token is account-wide: IAM supports no resource for this action.",
    "cloudwatch:PutMetricData": "CloudWatch metrics have no ARN: IAM scopes PutMetricData only by the "
    "cloudwatch:namespace condition, which the statement must carry.",
}
"""The only actions a generated policy may grant on `"Resource": "*"`, and why AWS requires it."""

CONDITION_REQUIRED = {"cloudwatch:PutMetricData": "cloudwatch:namespace"}
"""Wildcard-only actions that are still scoped, by a condition key that must be given exactly."""

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TRAINING_JOB = "pulumi-python:dynamic/sagemaker:TrainingJob"

IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/xgboost:1.7-1"
ARTIFACTS = "s3://data/output/churn-train-0123/output/model.tar.gz"
PACKAGE_ARN = "arn:aws:sagemaker:us-west-2:111111111111:model-package/churn/3"
KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALIASED_KEY = "arn:aws:kms:us-west-2:123456789012:key/0f0f0f0f-1111-2222-3333-444444444444"
ALIASES = {
    "alias/features": ALIASED_KEY,
    f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:alias/features": ALIASED_KEY,
}
"""What `aws.kms.getKey` answers for each alias, as KMS would (DescribeKey follows the alias)."""


class RoleMocks(PlatformMocks):
    """The platform's mocks, plus a training job's artifacts and KMS's answers for aliases."""

    def __init__(self, artifacts: str | None = ARTIFACTS) -> None:
        super().__init__(self._job_outputs)
        self.artifacts = artifacts

    def _job_outputs(self, args: MockResourceArgs) -> dict[str, Any]:
        return {"model_artifacts": self.artifacts} if args.typ == TRAINING_JOB else {}

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        if args.token == "aws:kms/getKey:getKey":
            key = args.args["keyId"]
            if key not in ALIASES:
                raise Exception(f"NotFoundException: Alias {key} is not found.")
            return {"arn": ALIASES[key], "keyId": ALIASES[key].rsplit("/", 1)[1], "id": key}, []
        return super().call(args)


def _run(build: Callable[[], object], mocks: PlatformMocks | None = None) -> ProgramRun:
    return run_program(lambda: build() and None, mocks=mocks or RoleMocks())


# --- what every generated policy and trust policy must satisfy --------------------------------


def _wildcard_problem(resource: str) -> str | None:
    """Why `resource` grants more than one concrete thing (or everything under one), or None."""
    if "?" in resource or "${" in resource:
        return "a '?' wildcard or a policy variable"
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return "not an ARN"
    _, partition, service, region, account, name = parts
    if "*" in partition + service + region + account:
        return "a wildcard in the partition, service, region or account"
    if service != "s3" and not (region and account):
        return "no region or account"
    if "*" not in name:
        return None
    if service == "s3" and "*" in name.split("/", 1)[0]:
        return "a wildcard bucket"
    if name.count("*") > 1 or not name.endswith("*"):
        return "a wildcard inside the name"
    parent = name[:-1]
    if not parent.endswith(("/", ":")) or parent.strip("/:") in {"", "log-group", "table", "key", "repository"}:
        return "a wildcard over names (only 'everything under <a concrete parent>' is scoped)"
    return None


def assert_least_privilege(document: dict[str, Any], where: str) -> None:
    assert document.get("Version") == "2012-10-17", where
    for statement in document["Statement"]:
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}, (where, statement)
        assert statement["Effect"] == "Allow", (where, statement)
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert actions and resources, (where, statement)
        for action in actions:
            assert re.fullmatch(r"[a-z0-9-]+:[A-Za-z]+", action), f"{where}: action {action!r} is a wildcard"
        for resource in resources:
            if resource == "*":
                granted = sorted(set(actions) - set(WILDCARD_ONLY_ACTIONS))
                assert not granted, f"{where}: {granted} granted on every resource"
                for action in actions:
                    key = CONDITION_REQUIRED.get(action)
                    condition = statement.get("Condition", {}).get("StringEquals", {})
                    value = condition.get(key) if key else "-"
                    assert value and "*" not in value, f"{where}: {action} on '*' needs a {key} condition"
                continue
            problem = _wildcard_problem(resource)
            assert problem is None, f"{where}: Resource {resource!r} has {problem}"


def assert_sagemaker_trust(document: dict[str, Any], where: str) -> None:
    [statement] = document["Statement"]
    assert statement["Effect"] == "Allow", where
    assert statement["Principal"] == {"Service": "sagemaker.amazonaws.com"}, where
    assert statement["Action"] == "sts:AssumeRole", where
    assert statement.get("Condition") == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:*"},
    }, f"{where}: trust without confused-deputy conditions: {statement}"


def generated_policies(run: ProgramRun) -> dict[str, list[dict[str, Any]]]:
    """Every generated role's inline policy statements by role name, each document checked."""
    roles = run.of_type(ROLE)
    assert roles, "no role was generated"
    policies: dict[str, list[dict[str, Any]]] = {}
    for role in roles:
        assert set(role.inputs) == {"assumeRolePolicy"}, f"{role.name}: only an inline policy, no managed ones"
        assert_sagemaker_trust(json.loads(role.inputs["assumeRolePolicy"]), role.name)
        [attached] = [policy for policy in run.of_type(ROLE_POLICY) if policy.parent == role.urn]
        document = json.loads(attached.inputs["policy"])
        assert_least_privilege(document, attached.name)
        policies[role.name] = document["Statement"]
    return policies


def statement(statements: list[dict[str, Any]], *actions: str) -> dict[str, Any]:
    """The one statement granting `actions`."""
    [found] = [s for s in statements if set(actions) <= set(s["Action"])]
    return found


# --- the checker itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:s3:::*/*",
        "arn:aws:s3:::*/store/*",
        "arn:aws:s3:::data*",
        "arn:aws:s3:::data/mod?l.tar.gz",
        "arn:aws:s3:::data/${aws:username}/*",
        "arn:aws:ecr:*:123456789012:repository/xgboost",
        "arn:aws:ecr:us-west-2:123456789012:repository/*",
        "arn:aws:logs:us-west-2:123456789012:log-group:*",
        "arn:aws:logs:us-west-2:123456789012:log-group:/aws/sagemaker/Endpoints/churn*",
        "arn:aws:kms:us-west-2:*:key/*",
        "alias/features",
    ],
)
def test_the_checker_refuses_broad_resources(resource: str) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": resource}],
    }
    with pytest.raises(AssertionError):
        assert_least_privilege(document, "broad")


def test_the_checker_allows_a_wildcard_resource_only_for_the_listed_actions() -> None:
    def document(action: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
        granted: dict[str, Any] = {"Effect": "Allow", "Action": [action], "Resource": "*"}
        return {"Version": "2012-10-17", "Statement": [{**granted, **({"Condition": condition} if condition else {})}]}

    assert_least_privilege(document("ecr:GetAuthorizationToken"), "ecr")
    assert_least_privilege(
        document("cloudwatch:PutMetricData", {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}}),
        "metrics",
    )
    for refused in (document("cloudwatch:PutMetricData"), document("ecr:BatchGetImage"), document("s3:GetObject")):
        with pytest.raises(AssertionError):
            assert_least_privilege(refused, "refused")


# --- ModelEndpoint's hosting role --------------------------------------------------------------


def _training_job() -> TrainingJob:
    return TrainingJob(
        "churn-train",
        image_uri=IMAGE,
        role_arn="arn:aws:iam::123456789012:role/Training",
        compute=Compute(instance_type="ml.m5.xlarge"),
        output_data_config=OutputDataConfig(s3_output_path="s3://data/output"),
    )


def _endpoint(model_source: Any, **overrides: Any) -> ModelEndpoint:
    return ModelEndpoint(
        "churn", model_source=model_source, variants=[InstanceVariant(instance_type="ml.m5.large")], **overrides
    )


def _hosting_scope(statements: list[dict[str, Any]], artifact: str | None, repository: str) -> None:
    assert statement(statements, "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")["Resource"] == repository
    reads = [s for s in statements if "s3:GetObject" in s["Action"]]
    assert [s["Resource"] for s in reads] == ([artifact] if artifact else [])
    log_group = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/aws/sagemaker/Endpoints/churn"
    assert statement(statements, "logs:CreateLogStream", "logs:PutLogEvents")["Resource"] == [
        log_group,
        f"{log_group}:*",
    ]
    granted = {action for s in statements for action in s["Action"]}
    assert not {action for action in granted if action.startswith(("sagemaker:", "kms:", "iam:"))}


def test_hosting_role_from_a_training_job_reads_its_artifact_and_pulls_its_repository() -> None:
    policies = generated_policies(_run(lambda: _endpoint(_training_job())))
    _hosting_scope(
        policies["churn-role"],
        "arn:aws:s3:::data/output/churn-train-0123/output/model.tar.gz",
        f"arn:aws:ecr:{REGION}:{ACCOUNT_ID}:repository/xgboost",
    )


def test_hosting_role_pulls_the_serving_image_given_instead_of_the_training_image() -> None:
    serving = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference@sha256:" + "a" * 64
    policies = generated_policies(_run(lambda: _endpoint(_training_job(), image_uri=serving)))
    _hosting_scope(
        policies["churn-role"],
        "arn:aws:s3:::data/output/churn-train-0123/output/model.tar.gz",
        "arn:aws:ecr:us-east-1:763104351884:repository/pytorch-inference",
    )


def test_hosting_role_for_a_model_package_reads_the_package_artifacts_and_repository() -> None:
    def build() -> ModelEndpoint:
        package = ModelPackage(
            "churn-model",
            group_name="churn",
            image_uri="683313688378.dkr.ecr.us-west-2.amazonaws.com/team/churn-serving:2024-06",
            model_data_url="s3://models.acme/churn/v3/model.tar.gz",
        )
        return _endpoint(package)

    policies = generated_policies(_run(build))
    _hosting_scope(
        policies["churn-role"],
        "arn:aws:s3:::models.acme/churn/v3/model.tar.gz",
        "arn:aws:ecr:us-west-2:683313688378:repository/team/churn-serving",
    )


def test_hosting_role_for_a_package_of_a_training_job_reads_the_job_artifacts() -> None:
    def build() -> ModelEndpoint:
        return _endpoint(ModelPackage("churn-model", group_name="churn", model_source=_training_job()))

    policies = generated_policies(_run(build))
    _hosting_scope(
        policies["churn-role"],
        "arn:aws:s3:::data/output/churn-train-0123/output/model.tar.gz",
        f"arn:aws:ecr:{REGION}:{ACCOUNT_ID}:repository/xgboost",
    )


def test_hosting_role_without_artifacts_reads_no_bucket() -> None:
    def build() -> ModelEndpoint:
        return _endpoint(ModelPackage("churn-model", group_name="churn", image_uri=IMAGE))

    policies = generated_policies(_run(build))
    _hosting_scope(policies["churn-role"], None, f"arn:aws:ecr:{REGION}:{ACCOUNT_ID}:repository/xgboost")


def test_a_package_arn_needs_a_role_since_its_artifacts_are_unknown() -> None:
    with pytest.raises(
        ValueError, match=r"ModelEndpoint churn: role_arn: required to serve a model package ARN"
    ) as raised:
        _run(lambda: _endpoint(PACKAGE_ARN))
    assert "give a role that may read the artifacts" in str(raised.value).lower()
    run = _run(lambda: _endpoint(PACKAGE_ARN, role_arn="arn:aws:iam::123456789012:role/Hosting"))
    assert not run.of_type(ROLE)


@pytest.mark.parametrize(
    ("model_data_url", "image_uri", "field", "reason"),
    [
        ("s3://*/model.tar.gz", IMAGE, "model_source", "'*' is not a valid bucket name"),
        ("s3://data/*/model.tar.gz", IMAGE, "model_source", "wildcard or policy variable"),
        ("s3://Data_Bucket/model.tar.gz", IMAGE, "model_source", "not a valid bucket name"),
        ("https://data.s3.amazonaws.com/model.tar.gz", IMAGE, "model_source", "not an s3://bucket/key URI"),
        ("s3://data/model.tar.gz", "docker.io/library/nginx:latest", "model_source", "not an Amazon ECR image URI"),
        ("s3://data/model.tar.gz", "*.dkr.ecr.us-west-2.amazonaws.com/x", "model_source", "not an Amazon ECR"),
    ],
)
def test_literal_uris_no_exact_policy_can_name_are_refused_before_anything_is_registered(
    model_data_url: str, image_uri: str, field: str, reason: str
) -> None:
    registered: list[str] = []

    class Recording(RoleMocks):
        def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
            registered.append(args.typ)
            return super().new_resource(args)

    def build() -> ModelEndpoint:
        package = ModelPackage("churn-model", group_name="churn", image_uri=image_uri, model_data_url=model_data_url)
        return _endpoint(package)

    with pytest.raises(ValueError, match=rf"ModelEndpoint churn: {field}: .*{re.escape(reason)}"):
        _run(build, Recording())
    assert not [kind for kind in registered if kind.startswith(("aws:iam", "aws:sagemaker"))]


def test_a_serving_image_outside_ecr_is_refused_naming_image_uri() -> None:
    with pytest.raises(
        ValueError, match=r"ModelEndpoint churn: image_uri: 'ghcr.io/acme/churn:1' is not an Amazon ECR"
    ):
        _run(lambda: _endpoint(_training_job(), image_uri="ghcr.io/acme/churn:1"))


def test_artifacts_known_only_at_apply_time_are_checked_when_they_resolve() -> None:
    with pytest.raises(ValueError, match=r"ModelEndpoint churn: model_source: 's3://\*/output/model.tar.gz'"):
        _run(lambda: _endpoint(_training_job()), RoleMocks(artifacts="s3://*/output/model.tar.gz"))


# --- FeatureGroup's offline store role ---------------------------------------------------------


def _group(offline_store: OfflineStore, **overrides: Any) -> FeatureGroup:
    return FeatureGroup(
        "customers",
        record_identifier="customer_id",
        event_time="event_time",
        features=[Feature(name="customer_id", type="String"), Feature(name="event_time", type="Fractional")],
        offline_store=offline_store,
        **overrides,
    )


def test_offline_store_role_is_scoped_to_its_prefix_bucket_catalog_and_key() -> None:
    policies = generated_policies(_run(lambda: _group(OfflineStore(s3_uri="s3://data/feature-store/", kms_key_id=KEY))))
    statements = policies["customers-role"]
    assert statement(statements, "s3:PutObject")["Resource"] == "arn:aws:s3:::data/feature-store/*"
    assert statement(statements, "s3:GetBucketAcl")["Resource"] == "arn:aws:s3:::data"
    assert statement(statements, "kms:GenerateDataKey")["Resource"] == KEY
    glue = f"arn:aws:glue:{REGION}:{ACCOUNT_ID}"
    assert statement(statements, "glue:CreateTable")["Resource"] == [
        f"{glue}:catalog",
        f"{glue}:database/sagemaker_featurestore",
        f"{glue}:table/sagemaker_featurestore/*",
    ]


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_a_kms_alias_is_granted_as_the_key_it_points_to(alias: str) -> None:
    policies = generated_policies(_run(lambda: _group(OfflineStore(s3_uri="s3://data/fs", kms_key_id=alias))))
    assert statement(policies["customers-role"], "kms:Encrypt")["Resource"] == ALIASED_KEY


def test_a_bare_key_id_is_granted_as_the_key_arn_of_the_stack_account() -> None:
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    policies = generated_policies(_run(lambda: _group(OfflineStore(s3_uri="s3://data/fs", kms_key_id=key_id))))
    assert statement(policies["customers-role"], "kms:Encrypt")["Resource"] == KEY


def test_an_alias_pointing_nowhere_fails_the_program() -> None:
    # KMS's own refusal (DescribeKey: NotFoundException) names the alias...
    with pytest.raises(Exception, match=r"Alias alias/missing is not found"):
        _run(lambda: _group(OfflineStore(s3_uri="s3://data/fs", kms_key_id="alias/missing")))
    # ...and an answer without a key (the platform's mocks answer every unknown invoke so) names the argument.
    with pytest.raises(ValueError, match=r"FeatureGroup customers: offline_store.kms_key_id: the KMS alias"):
        _run(lambda: _group(OfflineStore(s3_uri="s3://data/fs", kms_key_id="alias/missing")), PlatformMocks())


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("s3://*/store", "'*' is not a valid bucket name"),
        ("s3://data*/store", "not a valid bucket name"),
        ("s3://data/store/*", "wildcard or policy variable"),
        ("s3://data/${aws:username}/store", "wildcard or policy variable"),
        ("s3://10.0.0.1/store", "not a valid bucket name"),
        ("s3://a..b/store", "not a valid bucket name"),
        ("https://data.s3.amazonaws.com/store", "not an s3://bucket/key URI"),
    ],
)
def test_an_offline_store_uri_no_exact_policy_can_name_is_refused(uri: str, reason: str) -> None:
    with pytest.raises(ValueError, match=rf"FeatureGroup customers: offline_store.s3_uri: .*{re.escape(reason)}"):
        _run(lambda: _group(OfflineStore(s3_uri=uri)))
    # With a role of the user's own nothing is generated from the URI, so nothing refuses it here.
    run = _run(lambda: _group(OfflineStore(s3_uri=uri), role_arn="arn:aws:iam::123456789012:role/FeatureStore"))
    assert not run.of_type(ROLE)


def test_a_wildcard_key_is_refused_naming_the_key_argument() -> None:
    # The API's own pattern ([a-zA-Z0-9:/_-]*) refuses it: reported in its words, as Check would.
    wildcard = "arn:aws:kms:us-west-2:123456789012:key/*"
    with pytest.raises(
        ValueError, match=r"FeatureGroup customers: offline_store.kms_key_id: .*does not match the pattern"
    ):
        _run(lambda: _group(OfflineStore(s3_uri="s3://data/fs", kms_key_id=wildcard)))


def test_an_offline_store_uri_known_only_at_apply_time_is_checked_when_it_resolves() -> None:
    def build() -> FeatureGroup:
        return _group(OfflineStore(s3_uri=pulumi.Output.from_input("s3://*/store").apply(str)))

    with pytest.raises(ValueError, match=r"FeatureGroup customers: offline_store.s3_uri: 's3://\*/store'"):
        _run(build)
