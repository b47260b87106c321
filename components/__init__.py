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
from components.model_registry import ModelMetadata, ModelMetrics, ModelPackage, ModelRegistry
from components.training_job import TrainingJob

__all__ = [
    "CheckpointConfig",
    "Compute",
    "FileSystemDataSource",
    "InputData",
    "InstanceGroup",
    "MetricDefinition",
    "ModelMetadata",
    "ModelMetrics",
    "ModelPackage",
    "ModelRegistry",
    "Networking",
    "OutputDataConfig",
    "RetryStrategy",
    "S3DataSource",
    "StoppingCondition",
    "TrainingJob",
]
