"""Our SageMaker fidelity layer: one store for every SageMaker resource the local AWS keeps.

moto 5.2 completes training jobs instantly, has no StopTrainingJob, UpdateEndpoint,
Update/DeleteFeatureGroup or DeleteModelPackage, accepts duplicate names silently and answers
some lookups of missing resources with a 500. This layer owns training and processing jobs,
models, endpoint configs, endpoints, feature groups (with their online store), model package
groups and model packages, and answers every operation that reads or changes them (see
`SERVICE_OPERATIONS`): the control plane, Search and tags, and the runtime APIs
(InvokeEndpoint, the Feature Store's records), with SageMaker's request rules, error codes and
status machines that move with the control clock.

`route` says who answers a SageMaker control-plane request: this layer, moto (resources the
layer does not own: notebooks, pipelines, experiments...), or nobody (an operation on our
resources that we do not emulate, or no operation at all), which the server answers with a
fast `UnknownOperationException` instead of moto's 500 page.
"""

from __future__ import annotations

from typing import Any, Literal

from sagestack.local.control import ControlState

from . import (
    feature_groups,
    feature_store,
    hosting,
    model_registry,
    processing_jobs,
    runtime,
    search,
    tags,
    training_jobs,
)
from .core import (
    LOCK,
    OPERATIONS,
    SAGEMAKER,
    SELF_LOCKING,
    SERVICE_OPERATIONS,
    Call,
    Store,
    check_required,
    normalized,
    output_shape,
)
from .errors import SageMakerError, UnknownOperation
from .ownership import moto_serves, owns_arn

__all__ = ["OPERATIONS", "SERVICE_OPERATIONS", "SageMakerError", "SageMakerLayer", "UnknownOperation"]
_RESOURCE_MODULES = (
    feature_groups,
    feature_store,
    hosting,
    model_registry,
    processing_jobs,
    runtime,
    search,
    tags,
    training_jobs,
)

Route = Literal["layer", "moto", "unknown"]


class SageMakerLayer:
    """Answers SageMaker requests for the operations in `SERVICE_OPERATIONS`, per account and region."""

    def __init__(self, control: ControlState) -> None:
        self.control = control
        self._stores: dict[tuple[str, str], Store] = {}

    @staticmethod
    def route(operation: str, body: dict[str, Any]) -> Route:
        """Who answers this control-plane request (see the module docstring)."""
        if operation in ("AddTags", "ListTags", "DeleteTags"):
            # Tags follow their resource: ours by ARN, the rest (a notebook, a pipeline) moto's.
            return "layer" if owns_arn(str(body.get("ResourceArn", ""))) else "moto"
        if operation == "Search":
            return "layer" if body.get("Resource") in search.RESOURCES else "moto"
        if operation in OPERATIONS:
            return "layer"
        return "moto" if moto_serves(operation) else "unknown"

    @staticmethod
    def handles(operation: str, service: str = SAGEMAKER) -> bool:
        return operation in SERVICE_OPERATIONS[service]

    def handle(
        self, operation: str, body: dict[str, Any], account: str, region: str, service: str = SAGEMAKER
    ) -> dict[str, Any]:
        """The operation's answer; raises SageMakerError for an error answer."""
        handler = SERVICE_OPERATIONS[service].get(operation)
        if handler is None:
            raise UnknownOperation(f"sagestack local does not emulate {service} operation {operation}")
        check_required(operation, body, service)
        with LOCK:
            store = self._stores.setdefault((account, region), Store())
        # SageMaker keeps time to the millisecond; so does every record made from this call.
        call = Call(account, region, round(self.control.clock.now(), 3), store, self.control)
        if (service, operation) in SELF_LOCKING:
            answer = handler(call, body)
        else:
            with LOCK:
                answer = handler(call, body)
        return normalized(answer, output_shape(operation, service))

    def reset(self) -> None:
        with LOCK:
            self._stores.clear()
