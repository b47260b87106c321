"""Argument models named as the SageMaker Python SDK v3 names its config classes.

snake_case fields map 1:1 to the API's PascalCase members; each model's `to_api()` is the one
place that builds its boto3 dict. Fields a user would wire from another resource (role ARNs, S3
paths, KMS keys) accept a `pulumi.Output` as well as a plain value; plain values are validated
here, Outputs when they are known, by the provider's check against the service model.
"""

from __future__ import annotations

from typing import Any, Literal

import pulumi
from pydantic import ConfigDict, Field, model_validator

from components.core.provider import StrictModel

StrInput = str | pulumi.Output[str]


class ConfigModel(StrictModel):
    """A user-facing config model: strict, and accepting Pulumi Outputs where declared."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, arbitrary_types_allowed=True, defer_build=True)

    def to_api(self) -> dict[str, Any]:
        raise NotImplementedError


def _api(**members: Any) -> dict[str, Any]:
    """An API dict without the members left unset."""
    return {key: value for key, value in members.items() if value is not None}


class InstanceGroup(ConfigModel):
    """One group of a heterogeneous cluster (ResourceConfig.InstanceGroups)."""

    instance_group_name: str
    instance_type: str
    instance_count: int = Field(ge=1)

    def to_api(self) -> dict[str, Any]:
        return _api(
            InstanceGroupName=self.instance_group_name,
            InstanceType=self.instance_type,
            InstanceCount=self.instance_count,
        )


class Compute(ConfigModel):
    """Instances a training job runs on (ResourceConfig, EnableManagedSpotTraining)."""

    instance_type: str | None = None
    instance_count: int = Field(default=1, ge=1)
    volume_size_in_gb: int = Field(default=30, ge=1)
    volume_kms_key_id: StrInput | None = None
    keep_alive_period_in_seconds: int | None = Field(default=None, ge=0)
    enable_managed_spot_training: bool = False
    instance_groups: list[InstanceGroup] | None = None

    @model_validator(mode="after")
    def _one_way_to_size(self) -> Compute:
        if (self.instance_type is None) == (self.instance_groups is None):
            raise ValueError("set exactly one of instance_type and instance_groups")
        return self

    def to_api(self) -> dict[str, Any]:
        groups = [group.to_api() for group in self.instance_groups] if self.instance_groups else None
        return _api(
            InstanceType=self.instance_type,
            InstanceCount=self.instance_count if groups is None else None,
            InstanceGroups=groups,
            VolumeSizeInGB=self.volume_size_in_gb,
            VolumeKmsKeyId=self.volume_kms_key_id,
            KeepAlivePeriodInSeconds=self.keep_alive_period_in_seconds,
        )


class S3DataSource(ConfigModel):
    """Training data in S3 (DataSource.S3DataSource)."""

    s3_uri: StrInput
    s3_data_type: Literal["S3Prefix", "ManifestFile", "AugmentedManifestFile", "Converse"] = "S3Prefix"
    s3_data_distribution_type: Literal["FullyReplicated", "ShardedByS3Key"] | None = None
    attribute_names: list[str] | None = None
    instance_group_names: list[str] | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "S3DataSource": _api(
                S3Uri=self.s3_uri,
                S3DataType=self.s3_data_type,
                S3DataDistributionType=self.s3_data_distribution_type,
                AttributeNames=self.attribute_names,
                InstanceGroupNames=self.instance_group_names,
            )
        }


class FileSystemDataSource(ConfigModel):
    """Training data on EFS or FSx for Lustre (DataSource.FileSystemDataSource)."""

    file_system_id: StrInput
    file_system_access_mode: Literal["rw", "ro"] = "ro"
    file_system_type: Literal["EFS", "FSxLustre"]
    directory_path: str

    def to_api(self) -> dict[str, Any]:
        return {
            "FileSystemDataSource": _api(
                FileSystemId=self.file_system_id,
                FileSystemAccessMode=self.file_system_access_mode,
                FileSystemType=self.file_system_type,
                DirectoryPath=self.directory_path,
            )
        }


class InputData(ConfigModel):
    """One input channel: an S3 URI string, an S3DataSource or a FileSystemDataSource."""

    channel_name: str
    data_source: StrInput | S3DataSource | FileSystemDataSource
    content_type: str | None = None
    compression_type: Literal["None", "Gzip"] | None = None
    input_mode: Literal["Pipe", "File", "FastFile"] | None = None
    record_wrapper_type: Literal["None", "RecordIO"] | None = None

    def to_api(self) -> dict[str, Any]:
        source = self.data_source
        data_source = source.to_api() if isinstance(source, ConfigModel) else S3DataSource(s3_uri=source).to_api()
        return _api(
            ChannelName=self.channel_name,
            DataSource=data_source,
            ContentType=self.content_type,
            CompressionType=self.compression_type,
            InputMode=self.input_mode,
            RecordWrapperType=self.record_wrapper_type,
        )


class OutputDataConfig(ConfigModel):
    """Where model artifacts go, and the key that encrypts them."""

    s3_output_path: StrInput
    kms_key_id: StrInput | None = None
    compression_type: Literal["GZIP", "NONE"] | None = None

    def to_api(self) -> dict[str, Any]:
        return _api(S3OutputPath=self.s3_output_path, KmsKeyId=self.kms_key_id, CompressionType=self.compression_type)


class StoppingCondition(ConfigModel):
    """Limits on a job's runtime, spot wait and pending time."""

    max_runtime_in_seconds: int = Field(default=86400, ge=1)
    max_wait_time_in_seconds: int | None = Field(default=None, ge=1)
    max_pending_time_in_seconds: int | None = Field(default=None, ge=7200, le=2419200)

    def to_api(self) -> dict[str, Any]:
        return _api(
            MaxRuntimeInSeconds=self.max_runtime_in_seconds,
            MaxWaitTimeInSeconds=self.max_wait_time_in_seconds,
            MaxPendingTimeInSeconds=self.max_pending_time_in_seconds,
        )


class Networking(ConfigModel):
    """VPC placement, network isolation and inter-container encryption."""

    security_group_ids: list[StrInput] | None = None
    subnets: list[StrInput] | None = None
    enable_network_isolation: bool = False
    enable_inter_container_traffic_encryption: bool = False

    @model_validator(mode="after")
    def _vpc_needs_both(self) -> Networking:
        if (self.security_group_ids is None) != (self.subnets is None):
            raise ValueError("a VPC needs both security_group_ids and subnets")
        return self

    def to_api(self) -> dict[str, Any]:
        vpc = _api(SecurityGroupIds=self.security_group_ids, Subnets=self.subnets) if self.subnets is not None else None
        return _api(
            VpcConfig=vpc,
            EnableNetworkIsolation=self.enable_network_isolation,
            EnableInterContainerTrafficEncryption=self.enable_inter_container_traffic_encryption,
        )


class CheckpointConfig(ConfigModel):
    """Where checkpoints are kept (needed for managed spot training to resume)."""

    s3_uri: StrInput
    local_path: str | None = None

    def to_api(self) -> dict[str, Any]:
        return _api(S3Uri=self.s3_uri, LocalPath=self.local_path)


class RetryStrategy(ConfigModel):
    """How often SageMaker retries a job after an internal error."""

    maximum_retry_attempts: int = Field(ge=1, le=30)

    def to_api(self) -> dict[str, Any]:
        return {"MaximumRetryAttempts": self.maximum_retry_attempts}


class MetricDefinition(ConfigModel):
    """A metric SageMaker parses from the job's logs."""

    name: str
    regex: str

    def to_api(self) -> dict[str, Any]:
        return {"Name": self.name, "Regex": self.regex}
