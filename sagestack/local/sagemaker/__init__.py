"""Our SageMaker fidelity layer: the operations moto's SageMaker lacks or gets wrong.

moto 5.2 completes training jobs instantly, has no StopTrainingJob, UpdateEndpoint,
Update/DeleteFeatureGroup or DeleteModelPackage, accepts duplicate names silently and answers
some lookups of missing resources with a 500. This layer answers every operation it registers
(see `OPERATIONS`) with SageMaker's own request rules, error codes and status machines that
move with the control clock; every other SageMaker operation still goes to moto.
"""

from __future__ import annotations

from typing import Any

from sagestack.local.control import ControlState

from . import feature_groups, hosting, model_registry, processing_jobs, tags, training_jobs
from .core import LOCK, OPERATIONS, Call, Store, check_required
from .errors import SageMakerError

__all__ = ["OPERATIONS", "SageMakerError", "SageMakerLayer"]
_RESOURCE_MODULES = (feature_groups, hosting, model_registry, processing_jobs, tags, training_jobs)


class SageMakerLayer:
    """Answers SageMaker JSON requests for the operations in `OPERATIONS`, per account and region."""

    def __init__(self, control: ControlState) -> None:
        self.control = control
        self._stores: dict[tuple[str, str], Store] = {}

    @staticmethod
    def handles(operation: str) -> bool:
        return operation in OPERATIONS

    def handle(self, operation: str, body: dict[str, Any], account: str, region: str) -> dict[str, Any]:
        """The operation's answer; raises SageMakerError for an error answer."""
        check_required(operation, body)
        with LOCK:
            store = self._stores.setdefault((account, region), Store())
            call = Call(account, region, self.control.clock.now(), store, self.control)
            return OPERATIONS[operation](call, body)

    def reset(self) -> None:
        with LOCK:
            self._stores.clear()
