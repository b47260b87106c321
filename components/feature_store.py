"""`FeatureGroup`: a SageMaker Feature Store feature group that grows in place."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field

from components.configs import ComponentArgs, ConfigModel, StrInput, api_value, component_args, publish
from components.core.api_model import extra_members
from components.core.naming import readable_prefix
from components.providers.feature_group import FeatureGroupResource
from components.roles import sagemaker_role


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
    s3_uri: str, account: str, region: str, kms_key_id: str | None, create_glue_table: bool
) -> dict[str, Any]:
    """Least privilege for Feature Store's offline store: its S3 prefix, its Glue table, its key."""
    bucket, _, prefix = s3_uri.removeprefix("s3://").partition("/")
    objects = f"arn:aws:s3:::{bucket}/{prefix.rstrip('/')}/*" if prefix else f"arn:aws:s3:::{bucket}/*"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteOfflineStore",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": objects,
        },
        {"Sid": "CheckBucket", "Effect": "Allow", "Action": ["s3:GetBucketAcl"], "Resource": f"arn:aws:s3:::{bucket}"},
    ]
    if create_glue_table:
        glue = f"arn:aws:glue:{region}:{account}"
        statements.append(
            {
                "Sid": "GlueCatalog",
                "Effect": "Allow",
                "Action": ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:GetDatabase"],
                "Resource": [
                    f"{glue}:catalog",
                    f"{glue}:database/sagemaker_featurestore",
                    f"{glue}:table/sagemaker_featurestore/*",
                ],
            }
        )
    if kms_key_id:
        statements.append(
            {
                "Sid": "UseKey",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": kms_key_id,
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


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
        args = component_args(FeatureGroupArgs, args, kwargs, f"FeatureGroup {name}")
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

    @staticmethod
    def _offline_role(name: str, store: OfflineStore, opts: pulumi.ResourceOptions) -> aws.iam.Role:
        identity, region = aws.get_caller_identity_output(), aws.get_region_output()
        policy = pulumi.Output.all(store.s3_uri, identity.account_id, region.region, store.kms_key_id).apply(
            lambda values: json.dumps(
                offline_store_policy(values[0], values[1], values[2], values[3], not store.disable_glue_table_creation)
            )
        )
        return sagemaker_role(name, policy, opts)
