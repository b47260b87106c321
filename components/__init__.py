"""SageMaker as code on Pulumi: the component resources users build their platform from.

    from components import TrainingJob, Compute, InputData, OutputDataConfig

Each component takes one Args model (`TrainingJob(name, TrainingJobArgs(...))`) or the same
fields as keyword arguments (`TrainingJob(name, role_arn=..., compute=...)`).

The dynamic providers behind them live in `components.providers`, on the shared core in
`components.core`.
"""

from components.configs import (
    CheckpointConfig,
    Compute,
    FileSystemDataSource,
    InputData,
    InstanceGroup,
    MetricDefinition,
    Networking,
    OutputDataConfig,
    RetryStrategy,
    S3DataSource,
    StoppingCondition,
)
from components.feature_store import (
    DataCatalog,
    Feature,
    FeatureGroup,
    FeatureGroupArgs,
    OfflineStore,
    OnlineStore,
    Throughput,
    Ttl,
)
from components.model_registry import (
    ModelMetadata,
    ModelMetrics,
    ModelPackage,
    ModelPackageArgs,
    ModelRegistry,
    ModelRegistryArgs,
)
from components.serving import (
    AsyncInference,
    BlueGreen,
    DataCapture,
    InstanceVariant,
    ManagedInstanceScaling,
    ModelEndpoint,
    ModelEndpointArgs,
    RollingUpdate,
    ServerlessVariant,
    TrafficShift,
)
from components.training_job import TrainingJob, TrainingJobArgs

__all__ = [
    "AsyncInference",
    "BlueGreen",
    "CheckpointConfig",
    "Compute",
    "DataCapture",
    "DataCatalog",
    "Feature",
    "FeatureGroup",
    "FeatureGroupArgs",
    "FileSystemDataSource",
    "InputData",
    "InstanceGroup",
    "InstanceVariant",
    "ManagedInstanceScaling",
    "MetricDefinition",
    "ModelEndpoint",
    "ModelEndpointArgs",
    "ModelMetadata",
    "ModelMetrics",
    "ModelPackage",
    "ModelPackageArgs",
    "ModelRegistry",
    "ModelRegistryArgs",
    "Networking",
    "OfflineStore",
    "OnlineStore",
    "OutputDataConfig",
    "RetryStrategy",
    "RollingUpdate",
    "S3DataSource",
    "ServerlessVariant",
    "StoppingCondition",
    "Throughput",
    "TrafficShift",
    "TrainingJob",
    "TrainingJobArgs",
    "Ttl",
]
