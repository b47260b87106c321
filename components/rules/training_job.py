"""Rules of CreateTrainingJob that the service model does not state (the TrainingJob provider's Check)."""

from __future__ import annotations

import re
from typing import Any

from components.core.service_model import Violation
from components.core.unknowns import known

MAX_RUNTIME_SECONDS = 28 * 24 * 3600
MAX_HYPERPARAMETER_VALUE = 256
INSTANCE_STORAGE = re.compile(r"^ml\.([a-z]+\d+[a-z]*d[a-z]*|g5|g6|g6e|p5|p5e|p5en|trn1|trn1n|trn2)\.")
"""Instance families with local NVMe storage: SageMaker refuses a volume KMS key for them."""


def supports_volume_kms(instance_type: str) -> bool:
    return not INSTANCE_STORAGE.match(instance_type)


def request_rules(request: dict[str, Any]) -> list[Violation]:
    """Rules of CreateTrainingJob that the service model does not state."""
    violations: list[Violation] = []
    algorithm = request.get("AlgorithmSpecification") or {}
    if known(algorithm) and bool(algorithm.get("TrainingImage")) == bool(algorithm.get("AlgorithmName")):
        violations.append(
            Violation(
                "request.AlgorithmSpecification", "set exactly one of TrainingImage (image_uri) and AlgorithmName"
            )
        )
    resources = request.get("ResourceConfig") or {}
    if known(resources) and not resources.get("InstanceGroups"):
        count = resources.get("InstanceCount")
        if not resources.get("InstanceType"):
            violations.append(
                Violation("request.ResourceConfig", "set InstanceType (and InstanceCount) or InstanceGroups")
            )
        elif isinstance(count, int) and count < 1:
            violations.append(Violation("request.ResourceConfig.InstanceCount", f"must be at least 1 (got {count})"))
    if known(resources) and known(resources.get("VolumeKmsKeyId")):
        types = [resources.get("InstanceType")] + [g.get("InstanceType") for g in resources.get("InstanceGroups") or []]
        if local := sorted({t for t in types if isinstance(t, str) and not supports_volume_kms(t)}):
            violations.append(
                Violation(
                    "request.ResourceConfig.VolumeKmsKeyId",
                    f"{', '.join(local)} use local NVMe storage, which SageMaker encrypts itself and refuses a "
                    "volume KMS key for; remove it (the output can still use KmsKeyId)",
                )
            )
    stopping = request.get("StoppingCondition") or {}
    runtime, wait = stopping.get("MaxRuntimeInSeconds"), stopping.get("MaxWaitTimeInSeconds")
    if isinstance(runtime, int | float) and runtime > MAX_RUNTIME_SECONDS:
        violations.append(
            Violation("request.StoppingCondition.MaxRuntimeInSeconds", f"at most 28 days ({MAX_RUNTIME_SECONDS} s)")
        )
    if wait is not None and request.get("EnableManagedSpotTraining") is not True:
        violations.append(
            Violation(
                "request.StoppingCondition.MaxWaitTimeInSeconds",
                "is only for managed spot training (EnableManagedSpotTraining); remove it or enable spot",
            )
        )
    if request.get("EnableManagedSpotTraining") is True:
        if wait is None:
            violations.append(
                Violation(
                    "request.StoppingCondition.MaxWaitTimeInSeconds", "managed spot training needs a maximum wait"
                )
            )
        elif isinstance(wait, int | float) and isinstance(runtime, int | float) and wait < runtime:
            violations.append(
                Violation(
                    "request.StoppingCondition.MaxWaitTimeInSeconds",
                    f"must be at least MaxRuntimeInSeconds ({runtime}) for managed spot training",
                )
            )
    hyperparameters = request.get("HyperParameters") or {}
    if known(hyperparameters):
        violations += [
            Violation(f"request.HyperParameters.{key}", f"values are at most {MAX_HYPERPARAMETER_VALUE} characters")
            for key, value in hyperparameters.items()
            if known(value) and len(str(value)) > MAX_HYPERPARAMETER_VALUE
        ]
    return violations
