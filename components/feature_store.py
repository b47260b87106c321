"""`FeatureGroup`: a SageMaker Feature Store feature group that grows in place."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field

from components.configs import (
    ComponentArgs,
    ConfigModel,
    InvalidArguments,
    StrInput,
    api_value,
    component_args,
    publish,
)
from components.core.api_model import extra_members
from components.core.naming import readable_prefix
from components.core.service_model import Violation
from components.providers.feature_group import FeatureGroupResource
from components.roles import StackScope, check_key, key_arn, parse_s3_uri, resolved_key_arn, sagemaker_role, stack_scope


class Feature(ConfigModel):
    """One feature: a name, a type, and optionally a collection (InMemory online stores only)."""

    api_shape = "FeatureDefinition"
    api_names: ClassVar[Mapping[str, str]] = {
        "name": "FeatureName",
        "type": "FeatureType",
        "vector_dimension": "CollectionConfig.VectorConfig.Dimension",
    }

    name: str
    type: Literal["Integral", "Fractional", "String"]
    collection_type: Literal["List", "Set", "Vector"] | None = None
    vector_dimension: int | None = Field(default=None, ge=1, le=8192)


class Ttl(ConfigModel):
    """How long a record stays in the online store."""

    api_shape = "TtlDuration"

    unit: Literal["Seconds", "Minutes", "Hours", "Days", "Weeks"]
    value: int = Field(ge=1)


class OnlineStore(ConfigModel):
    """The low-latency store; its TTL can change in place."""

    api_shape = "OnlineStoreConfig"
    api_names: ClassVar[Mapping[str, str]] = {
        "enabled": "EnableOnlineStore",
        "ttl": "TtlDuration",
        "kms_key_id": "SecurityConfig.KmsKeyId",
    }

    enabled: bool = True
    storage_type: Literal["Standard", "InMemory"] = "Standard"
    ttl: Ttl | None = None
    kms_key_id: StrInput | None = None


class DataCatalog(ConfigModel):
    """An existing Glue table for the offline store (instead of the one SageMaker creates)."""

    api_shape = "DataCatalogConfig"

    catalog: str = "AwsDataCatalog"
    database: str
    table_name: str


class OfflineStore(ConfigModel):
    """The S3 (and Glue) store for training data and history."""

    api_shape = "OfflineStoreConfig"
    api_names: ClassVar[Mapping[str, str]] = {
        "s3_uri": "S3StorageConfig.S3Uri",
        "kms_key_id": "S3StorageConfig.KmsKeyId",
        "data_catalog": "DataCatalogConfig",
    }

    s3_uri: StrInput
    kms_key_id: StrInput | None = None
    table_format: Literal["Glue", "Iceberg"] | None = None
    disable_glue_table_creation: bool = False
    data_catalog: DataCatalog | None = None

    def to_api(self) -> dict[str, Any]:
        # Sent only when True, as it always was: the offline store config is an identity input of
        # the provider, so a `False` appearing in existing stacks' state would ask to replace
        # their groups (and lose their records).
        api = super().to_api()
        if not self.disable_glue_table_creation:
            del api["DisableGlueTableCreation"]
        return api


class Throughput(ConfigModel):
    """OnDemand, or Provisioned with read and write capacity units; changes in place."""

    api_shape = "ThroughputConfig"
    api_names: ClassVar[Mapping[str, str]] = {
        "mode": "ThroughputMode",
        "read_units": "ProvisionedReadCapacityUnits",
        "write_units": "ProvisionedWriteCapacityUnits",
    }

    mode: Literal["OnDemand", "Provisioned"] = "OnDemand"
    read_units: int | None = Field(default=None, ge=0)
    write_units: int | None = Field(default=None, ge=0)


class FeatureGroupArgs(ComponentArgs):
    """Everything a feature group takes.

    The FeatureGroup provider takes these under the same names, nested models in the API's form.
    """

    record_identifier: str
    """The feature whose value identifies a record."""
    event_time: str
    """The feature holding each record's event time."""
    features: list[Feature]
    """Features may be added in place; removing or retyping one needs a new group."""
    online_store: OnlineStore | None = None
    offline_store: OfflineStore | None = None
    throughput: Throughput | None = None
    role_arn: StrInput | None = None
    """The offline store's role (default, with an offline store: a least-privilege role for its
    S3 prefix, its Glue table and its KMS key)."""
    description: str | None = None
    feature_group_name: str | None = None
    """The group's name (default: from the component's name)."""
    allow_replace: bool = False
    """Accept a change that needs a new group, which loses every record of the old one."""
    tags: dict[str, str] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict)
    """Other CreateFeatureGroup members in snake_case, validated like the rest."""


def offline_store_policy(
    s3_uri: str,
    account: str,
    region: str,
    kms_key_id: str | None,
    create_glue_table: bool,
    *,
    partition: str = "aws",
) -> dict[str, Any]:
    """Least privilege for Feature Store's offline store: its S3 prefix, its Glue table, its key.

    `s3_uri` must be an `s3://` URI with a valid bucket name and no wildcard, and `kms_key_id` a
    key ARN or key ID (an alias must be resolved first: `resolved_key_arn`), or ValueError.
    """
    location = parse_s3_uri(s3_uri)
    scope = StackScope(partition=partition, region=region, account=account)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteOfflineStore",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": location.objects_under_arn(partition),
        },
        {
            "Sid": "CheckBucket",
            "Effect": "Allow",
            "Action": ["s3:GetBucketAcl"],
            "Resource": location.bucket_arn(partition),
        },
    ]
    if create_glue_table:
        statements.append(
            {
                "Sid": "GlueCatalog",
                "Effect": "Allow",
                "Action": ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:GetDatabase"],
                "Resource": [
                    scope.arn("glue", "catalog"),
                    scope.arn("glue", "database/sagemaker_featurestore"),
                    # The table SageMaker creates is named after the group and its creation time.
                    scope.arn("glue", "table/sagemaker_featurestore/*"),
                ],
            }
        )
    if kms_key_id:
        statements.append(
            {
                "Sid": "UseKey",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": key_arn(kms_key_id, scope),
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def offline_role_violations(store: OfflineStore) -> list[Violation]:
    """A literal offline store URI or key that no exact policy can be written for (Outputs are
    checked when they resolve): refused before anything is registered."""
    violations: list[Violation] = []
    if isinstance(store.s3_uri, str):
        try:
            parse_s3_uri(store.s3_uri)
        except ValueError as error:
            violations.append(Violation("offline_store.s3_uri", str(error)))
    if isinstance(store.kms_key_id, str):
        try:
            check_key(store.kms_key_id)  # an alias passes: it is resolved to its key when the role is written
        except ValueError as error:
            violations.append(Violation("offline_store.kms_key_id", str(error)))
    return violations


class FeatureGroup(pulumi.ComponentResource):
    """A feature group that grows in place and never loses its data by accident.

    Added features, the online store's TTL and the throughput mode change in place. Removing or
    retyping a feature, or changing an identity field (record identifier, event time, offline
    store, role), is refused with a message naming the fields, because SageMaker would need a new
    group and its records would be lost; `allow_replace=True` accepts that.

    Arguments: a `FeatureGroupArgs` as `args`, or its fields as keyword arguments.
    """

    arn: pulumi.Output[str]
    """The feature group's ARN."""
    feature_group_name: pulumi.Output[str]
    """The feature group's name."""
    status: pulumi.Output[str]
    """FeatureGroupStatus: Created after a normal `up`."""
    offline_store_status: pulumi.Output[str | None]
    """Active once the offline store is ready."""
    offline_store_resolved_s3_uri: pulumi.Output[str | None]
    """Where SageMaker writes the offline store's files."""
    glue_table: pulumi.Output[str | None]
    """`database.table` of the offline store's Glue table."""

    def __init__(
        self,
        name: str,
        args: FeatureGroupArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        owner = f"FeatureGroup {name}"
        args = component_args(FeatureGroupArgs, args, kwargs, owner)
        # The generated role is written from the offline store's URI and key: checked before anything is registered.
        if (
            args.offline_store is not None
            and args.role_arn is None
            and (violations := offline_role_violations(args.offline_store))
        ):
            raise InvalidArguments(owner, violations)
        super().__init__("sagemaker:featurestore:FeatureGroup", name, None, opts)
        extra_request = extra_members("CreateFeatureGroup", args.extra, f"FeatureGroup {name}")
        child = pulumi.ResourceOptions(parent=self)
        role_arn = args.role_arn
        if args.offline_store is not None and role_arn is None:
            role_arn = self._offline_role(name, args.offline_store, child).arn
        inputs = {field: api_value(getattr(args, field)) for field in FeatureGroupArgs.model_fields}
        group = FeatureGroupResource(
            f"{name}-group",
            {
                **{field: value for field, value in inputs.items() if field != "extra"},
                "feature_group_name": args.feature_group_name or readable_prefix(name, 64),
                "role_arn": role_arn,
                "request": extra_request,
            },
            child,
        )
        publish(self, group)

    def _offline_role(self, name: str, store: OfflineStore, opts: pulumi.ResourceOptions) -> aws.iam.Role:
        """The offline store's role: its prefix, its Glue table, its key (an alias resolved to it)."""
        owner = f"FeatureGroup {name}"
        scope = stack_scope(self)
        key = (
            resolved_key_arn(store.kms_key_id, scope, self, f"{owner}: offline_store.kms_key_id")
            if store.kms_key_id is not None
            else None
        )
        create_glue_table = not store.disable_glue_table_creation

        def policy(values: list[Any]) -> str:
            stack, uri, resolved_key = values
            try:
                parse_s3_uri(uri)  # an Output is checked only now; named as the check of a literal names it
            except ValueError as error:
                raise InvalidArguments(owner, [Violation("offline_store.s3_uri", str(error))]) from None
            document = offline_store_policy(
                uri, stack.account, stack.region, resolved_key, create_glue_table, partition=stack.partition
            )
            return json.dumps(document)

        return sagemaker_role(name, scope, pulumi.Output.all(scope, store.s3_uri, key).apply(policy), opts)
