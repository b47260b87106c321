"""The stack config: one pydantic schema for everything under the `sagemaker:` namespace.

    config:
      sagemaker:environment: {name: dev, production: false}
      sagemaker:training: {image_uri: ..., compute: {instance_type: ml.m5.xlarge}, ...}
      sagemaker:serving: {model_package_arn: ..., variants: [...]}

`load_stack_file` reads a `stacks/Pulumi.<env>.yaml` offline; `PlatformConfig.from_pulumi`
reads the same keys inside a running program. Errors are reported as `sagemaker.<key path>`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from components.configs import Compute, ConfigModel, InputData, Networking, StoppingCondition
from components.core.service_model import Violation, shape_named, validate
from components.feature_store import Feature, OfflineStore, OnlineStore, Throughput
from components.serving import DataCapture, Deployment, Variant

NAMESPACE = "sagemaker"


class EnvironmentConfig(ConfigModel):
    """Which environment this stack is, and whether it is production."""

    name: str
    production: bool = False


class DefaultsConfig(ConfigModel):
    """Defaults every resource gets: a KMS key and network placement."""

    kms_key_id: str | None = None
    networking: Networking | None = None


class FeatureGroupConfig(ConfigModel):
    """One feature group."""

    name: str
    record_identifier: str
    event_time: str
    features: list[Feature] = Field(min_length=1)
    online_store: OnlineStore | None = None
    offline_store: OfflineStore | None = None
    throughput: Throughput | None = None
    description: str | None = None


class TrainingConfig(ConfigModel):
    """The training job this environment runs (dev and local)."""

    image_uri: str
    role_arn: str
    compute: Compute
    input_data: list[InputData] = Field(min_length=1)
    output_s3_path: str
    hyperparameters: dict[str, str] = Field(default_factory=dict)
    stopping_condition: StoppingCondition = Field(default_factory=StoppingCondition)
    retrain_token: str = ""


class RegistryConfig(ConfigModel):
    """The model package group; `create` it here, and register the trained model into it (`register_model`)."""

    group_name: str
    create: bool = True
    register_model: bool = True
    share_with_accounts: list[str] = Field(default_factory=list)
    approval_status: str = "PendingManualApproval"


class ServingConfig(ConfigModel):
    """What this environment serves: a promoted package version, or the one it registers."""

    model_package_arn: str | None = None
    """The package version to serve; `sagestack promote` rewrites exactly this value."""
    endpoint_name: str = "churn"
    role_arn: str | None = None
    variants: list[Variant] = Field(min_length=1)
    deployment: Deployment | None = None
    data_capture: DataCapture | None = None

    @field_validator("model_package_arn")
    @classmethod
    def _is_a_model_package_arn(cls, value: str | None) -> str | None:
        # The shape SageMaker itself checks (CreateModel's ModelPackageName takes names too, so
        # a group name or a model ARN would pass there and fail only when the endpoint is built).
        violations = validate(value, shape_named("ModelPackageArn"))[1] if value is not None else []
        if violations:
            raise ValueError(f"not a model package ARN: {violations[0].reason}")
        return value


class PlatformConfig(ConfigModel):
    """Everything a stack configures."""

    environment: EnvironmentConfig
    region: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    defaults: DefaultsConfig = Field(default_factory=DefaultsConfig)
    feature_groups: list[FeatureGroupConfig] = Field(default_factory=list)
    training: TrainingConfig | None = None
    registry: RegistryConfig | None = None
    serving: ServingConfig | None = None

    @model_validator(mode="after")
    def _serving_has_a_source(self) -> PlatformConfig:
        trains_and_registers = bool(self.training and self.registry and self.registry.register_model)
        if self.serving and not self.serving.model_package_arn and not trains_and_registers:
            raise ValueError("serving needs model_package_arn, or training with registry.register_model to serve")
        if self.environment.production and self.serving and not self.serving.model_package_arn:
            raise ValueError("production serves a promoted model_package_arn, never its own training")
        if self.registry and self.registry.register_model and not self.training:
            raise ValueError("registry.register_model needs training")
        return self

    @classmethod
    def from_pulumi(cls) -> PlatformConfig:
        """Read the `sagemaker:` keys of the running stack."""
        import pulumi  # noqa: PLC0415 - keep offline validation free of the Pulumi runtime

        config = pulumi.Config(NAMESPACE)
        values = {key: config.get_object(key) for key in cls.model_fields}
        return cls.model_validate({key: value for key, value in values.items() if value is not None})


def _path(loc: tuple[Any, ...]) -> str:
    """pydantic's location as `serving.variants[0].instance_type` (union branch names dropped)."""
    text = NAMESPACE
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif (part and part[0].isupper()) or str(part).startswith(("function-", "tagged-union")):
            continue
        else:
            text += f".{part}"
    return text


def stack_values(document: dict[str, Any]) -> dict[str, Any]:
    """The `sagemaker:` keys of a stack file's config, without the namespace."""
    config = document.get("config") or {}
    prefix = f"{NAMESPACE}:"
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}


def validate_stack_values(values: dict[str, Any]) -> tuple[PlatformConfig | None, list[Violation]]:
    try:
        return PlatformConfig.model_validate(values), []
    except ValidationError as error:
        violations = []
        seen = set()
        for item in error.errors():
            path = _path(tuple(item["loc"]))
            # A validator's own message, without pydantic's "Value error, " in front of it.
            reason = item["msg"].removeprefix("Value error, ")
            if (path, reason) not in seen:
                seen.add((path, reason))
                violations.append(Violation(path, reason))
        return None, violations


def load_stack_file(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) or {}


def pulumi_config(document: dict[str, Any]) -> dict[str, str]:
    """A stack file's config as the Pulumi runtime holds it (objects as JSON text)."""
    config = document.get("config") or {}
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
