"""SageMaker as code on Pulumi: the component resources users build their platform from.

    from components import TrainingJob, Compute, InputData, OutputDataConfig

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
from components.feature_store import DataCatalog, Feature, FeatureGroup, OfflineStore, OnlineStore, Throughput, Ttl
from components.model_registry import ModelMetadata, ModelMetrics, ModelPackage, ModelRegistry
from components.serving import (
    AsyncInference,
    BlueGreen,
    DataCapture,
    InstanceVariant,
    ManagedInstanceScaling,
    ModelEndpoint,
    RollingUpdate,
    ServerlessVariant,
    TrafficShift,
)
from components.training_job import TrainingJob

__all__ = [
    "AsyncInference",
    "BlueGreen",
    "CheckpointConfig",
    "Compute",
    "DataCapture",
    "DataCatalog",
    "Feature",
    "FeatureGroup",
    "FileSystemDataSource",
    "InputData",
    "InstanceGroup",
    "InstanceVariant",
    "ManagedInstanceScaling",
    "MetricDefinition",
    "ModelEndpoint",
    "ModelMetadata",
    "ModelMetrics",
    "ModelPackage",
    "ModelRegistry",
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
    "Ttl",
]
