"""Which SageMaker resources the layer owns, and which operations moto may still answer.

There is one store per resource: a resource the layer owns lives only in the layer, so every
operation that reads or changes it must be the layer's. moto keeps serving the resources the
layer does not own (notebook instances, pipelines, experiments, clusters...). An operation moto
implements on a resource we own, or on one that would create or consume ours (a transform job
runs a model, a tuning job creates training jobs), is refused rather than answered from moto's
empty store: a client gets a clear error instead of a wrong empty answer.
"""

from __future__ import annotations

import functools
import inspect

from botocore import xform_name
from moto.sagemaker.responses import SageMakerResponse

from .core import operation_names

OWNED_ARN_TYPES = frozenset(
    {
        "training-job",
        "processing-job",
        "model",
        "endpoint-config",
        "endpoint",
        "feature-group",
        "model-package",
        "model-package-group",
    }
)
"""The resource types (in ARNs) of what the layer keeps."""

OWNED_NOUNS = frozenset(
    {
        "TrainingJob",
        "ProcessingJob",
        "Model",
        "EndpointConfig",
        "Endpoint",
        "FeatureGroup",
        "ModelPackage",
        "ModelPackageGroup",
    }
)
"""The API's nouns for the same resources (CreateTrainingJob, ListModels...)."""

CONSUMING_NOUNS = frozenset({"TransformJob", "HyperParameterTuningJob", "AutoMLJob", "AutoMLJobV2"})
"""Resources moto implements that would run or create ours behind the layer's back."""

_VERBS = ("Create", "Describe", "List", "Delete", "Update", "Stop", "Start", "Add", "Associate", "Disassociate")


def owns_arn(arn: str) -> bool:
    """Whether an ARN names a resource of a type the layer keeps (existing or not)."""
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "sagemaker" and parts[5].split("/", 1)[0] in OWNED_ARN_TYPES


def noun(operation: str) -> str:
    """The resource an operation acts on: "ListModels" -> "Model", "StopAutoMLJob" -> "AutoMLJob"."""
    for verb in _VERBS:
        if operation.startswith(verb) and operation[len(verb) :][:1].isupper():
            rest = operation[len(verb) :]
            return rest[:-1] if verb == "List" and rest.endswith("s") else rest
    return operation


@functools.cache
def moto_operations() -> frozenset[str]:
    """The SageMaker operations moto's server implements (its response class has a method for each)."""
    methods = {name for name, _ in inspect.getmembers(SageMakerResponse, inspect.isfunction)}
    return frozenset(op for op in operation_names() if xform_name(op) in methods)


def moto_serves(operation: str) -> bool:
    """Whether moto answers this SageMaker operation: it implements it, and on a resource we don't own."""
    return operation in moto_operations() and noun(operation) not in OWNED_NOUNS | CONSUMING_NOUNS
