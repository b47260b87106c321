"""`FeatureGroup`: a SageMaker Feature Store feature group that grows in place."""

from __future__ import annotations

import json
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field

from components.configs import ConfigModel, StrInput, _api
from components.core.api_model import extra_members
from components.core.naming import readable_prefix
from components.providers.feature_group import FeatureGroupResource
from components.roles import sagemaker_role


class Feature(ConfigModel):
    """One feature: a name, a type, and optionally a collection (InMemory online stores only)."""

    name: str
    type: Literal["Integral", "Fractional", "String"]
    collection_type: Literal["List", "Set", "Vector"] | None = None
    vector_dimension: int | None = Field(default=None, ge=1, le=8192)

    def to_api(self) -> dict[str, Any]:
        config = {"VectorConfig": {"Dimension": self.vector_dimension}} if self.vector_dimension is not None else None
        return _api(
            FeatureName=self.name, FeatureType=self.type, CollectionType=self.collection_type, CollectionConfig=config
        )


class Ttl(ConfigModel):
    """How long a record stays in the online store."""

    unit: Literal["Seconds", "Minutes", "Hours", "Days", "Weeks"]
    value: int = Field(ge=1)

    def to_api(self) -> dict[str, Any]:
        return {"Unit": self.unit, "Value": self.value}


class OnlineStore(ConfigModel):
    """The low-latency store; its TTL can change in place."""

    enabled: bool = True
    storage_type: Literal["Standard", "InMemory"] = "Standard"
    ttl: Ttl | None = None
    kms_key_id: StrInput | None = None

    def to_api(self) -> dict[str, Any]:
        return _api(
            EnableOnlineStore=self.enabled,
            StorageType=self.storage_type,
            TtlDuration=self.ttl.to_api() if self.ttl else None,
            SecurityConfig={"KmsKeyId": self.kms_key_id} if self.kms_key_id is not None else None,
        )


class DataCatalog(ConfigModel):
    """An existing Glue table for the offline store (instead of the one SageMaker creates)."""

    catalog: str = "AwsDataCatalog"
    database: str
    table_name: str

    def to_api(self) -> dict[str, Any]:
        return {"Catalog": self.catalog, "Database": self.database, "TableName": self.table_name}


class OfflineStore(ConfigModel):
    """The S3 (and Glue) store for training data and history."""

    s3_uri: StrInput
    kms_key_id: StrInput | None = None
    table_format: Literal["Glue", "Iceberg"] | None = None
    disable_glue_table_creation: bool = False
    data_catalog: DataCatalog | None = None

    def to_api(self) -> dict[str, Any]:
        return _api(
            S3StorageConfig=_api(S3Uri=self.s3_uri, KmsKeyId=self.kms_key_id),
            TableFormat=self.table_format,
            DisableGlueTableCreation=self.disable_glue_table_creation or None,
            DataCatalogConfig=self.data_catalog.to_api() if self.data_catalog else None,
        )


class Throughput(ConfigModel):
    """OnDemand, or Provisioned with read and write capacity units; changes in place."""

    mode: Literal["OnDemand", "Provisioned"] = "OnDemand"
    read_units: int | None = Field(default=None, ge=0)
    write_units: int | None = Field(default=None, ge=0)

    def to_api(self) -> dict[str, Any]:
        return _api(
            ThroughputMode=self.mode,
            ProvisionedReadCapacityUnits=self.read_units,
            ProvisionedWriteCapacityUnits=self.write_units,
        )


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
    group and its records would be lost; `allow_replace=True` accepts that. Without `role_arn`, an
    offline store gets a least-privilege role (its S3 prefix, its Glue table, its KMS key).
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
        *,
        record_identifier: str,
        event_time: str,
        features: list[Feature],
        online_store: OnlineStore | None = None,
        offline_store: OfflineStore | None = None,
        throughput: Throughput | None = None,
        role_arn: StrInput | None = None,
        description: str | None = None,
        feature_group_name: str | None = None,
        allow_replace: bool = False,
        tags: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("sagemaker:featurestore:FeatureGroup", name, None, opts)
        extra_request = extra_members("CreateFeatureGroup", extra, f"FeatureGroup {name}")
        child = pulumi.ResourceOptions(parent=self)
        if offline_store is not None and role_arn is None:
            role_arn = self._offline_role(name, offline_store, child).arn
        group = FeatureGroupResource(
            f"{name}-group",
            {
                "feature_group_name": feature_group_name or readable_prefix(name, 64),
                "record_identifier": record_identifier,
                "event_time": event_time,
                "features": [feature.to_api() for feature in features],
                "online_store": online_store.to_api() if online_store else None,
                "offline_store": offline_store.to_api() if offline_store else None,
                "throughput": throughput.to_api() if throughput else None,
                "role_arn": role_arn,
                "description": description,
                "allow_replace": allow_replace,
                "request": extra_request,
                "tags": tags or {},
            },
            child,
        )
        self.arn = group.arn
        self.feature_group_name = group.feature_group_name
        self.status = group.status
        self.offline_store_status = group.offline_store_status
        self.offline_store_resolved_s3_uri = group.offline_store_resolved_s3_uri
        self.glue_table = group.glue_table
        self.register_outputs(
            {"arn": self.arn, "feature_group_name": self.feature_group_name, "glue_table": self.glue_table}
        )

    @staticmethod
    def _offline_role(name: str, store: OfflineStore, opts: pulumi.ResourceOptions) -> aws.iam.Role:
        identity, region = aws.get_caller_identity_output(), aws.get_region_output()
        policy = pulumi.Output.all(store.s3_uri, identity.account_id, region.region, store.kms_key_id).apply(
            lambda values: json.dumps(
                offline_store_policy(values[0], values[1], values[2], values[3], not store.disable_glue_table_creation)
            )
        )
        return sagemaker_role(name, policy, opts)
