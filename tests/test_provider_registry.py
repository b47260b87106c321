"""Every dynamic provider is registered, and every conformance suite covers every registered one.

`components.providers.PROVIDERS` is the list the suites are parametrized over; a provider that a
module defines but the list lacks, or that a suite leaves out, fails here instead of going
silently untested. The wait specs of every provider are linted against botocore's SageMaker
model the way botocore lints its own waiters.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from types import ModuleType
from typing import Any, cast

import pytest
from botocore.model import StructureShape

import components.providers
from components.core.provider import SageMakerProvider
from components.core.service_model import sagemaker_model
from components.core.waiter import WaitSpec
from components.providers import PROVIDERS
from tests import test_bad_inputs, test_fault_matrix


def provider_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"components.providers.{info.name}")
        for info in pkgutil.iter_modules(components.providers.__path__)
    ]


def test_every_provider_defined_is_registered() -> None:
    defined = {
        value
        for module in provider_modules()
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, SageMakerProvider)
        and value is not SageMakerProvider
        and value.__module__ == module.__name__
    }
    assert defined == set(PROVIDERS)


def test_the_fault_matrix_covers_every_provider() -> None:
    assert {subject.provider for subject in test_fault_matrix.SUBJECTS} == set(PROVIDERS)


def test_the_bad_input_corpus_covers_every_provider() -> None:
    assert {type(make()) for make in test_bad_inputs.PROVIDERS.values()} >= set(PROVIDERS)


def spec_violations(spec: WaitSpec) -> list[str]:
    """What in `spec` the service model does not know: its operation, fields or statuses."""
    model = sagemaker_model()
    if spec.operation not in cast(list[str], model.operation_names):
        return [f"no operation {spec.operation}"]
    output = model.operation_model(spec.operation).output_shape
    assert isinstance(output, StructureShape)

    def enum_at(path: str) -> set[str] | None:
        shape: Any = output
        for part in path.split("."):
            members = cast(dict[str, Any], getattr(shape, "members", {}))
            if part not in members:
                return None
            shape = members[part]
        return set(shape.enum) if shape.enum else None

    statuses = enum_at(spec.status_field)
    if statuses is None:
        return [f"{spec.operation} has no enum at {spec.status_field}"]
    phases = (enum_at(spec.phase_field) or set()) if spec.phase_field else set()
    if spec.phase_field and not phases:
        return [f"{spec.operation} has no enum at {spec.phase_field}"]
    unknown = (spec.success | spec.failure) - statuses
    unknown |= spec.ends_soon - statuses - phases
    return [f"{spec.status_field}: {sorted(unknown)} are not statuses of {spec.operation}"] if unknown else []


def wait_specs() -> dict[str, WaitSpec]:
    """Every WaitSpec the registered providers' modules define, by module and name."""
    return {
        f"{provider.__module__.rsplit('.', 1)[-1]}.{name}": value
        for provider in PROVIDERS
        for name, value in vars(inspect.getmodule(provider)).items()
        if isinstance(value, WaitSpec)
    }


def test_every_provider_waits_by_declared_specs() -> None:
    modules = {name.split(".")[0] for name in wait_specs()}
    assert modules == {provider.__module__.rsplit(".", 1)[-1] for provider in PROVIDERS}


@pytest.mark.parametrize("name", sorted(wait_specs()))
def test_wait_specs_match_the_service_model(name: str) -> None:
    assert spec_violations(wait_specs()[name]) == []


def test_a_misspelt_status_fails_the_lint() -> None:
    """Negative control: the lint above is not vacuous."""
    settled = wait_specs()["endpoint.SETTLED"]
    misspelt = dataclasses.replace(settled, failure=frozenset({"UpdateRollbackFaild", "OutOfServise"}))
    assert spec_violations(misspelt) == [
        "EndpointStatus: ['OutOfServise', 'UpdateRollbackFaild'] are not statuses of DescribeEndpoint"
    ]
    assert spec_violations(dataclasses.replace(settled, status_field="EndpointState"))
    assert spec_violations(dataclasses.replace(settled, operation="DescribeEndpoints"))


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.__name__ for p in PROVIDERS])
def test_each_lifecycle_matches_the_service_model_and_its_waits(provider: type[SageMakerProvider]) -> None:
    """The describe operation exists and takes `key`; every wait of the provider waits on it."""
    model = sagemaker_model()
    describe = model.operation_model(provider.lifecycle.describe)
    assert isinstance(describe.input_shape, StructureShape)
    assert provider.lifecycle.key in cast(list[str], describe.input_shape.required_members)
    module = inspect.getmodule(provider)
    operations = {spec.operation for spec in vars(module).values() if isinstance(spec, WaitSpec)}
    assert operations == {provider.lifecycle.describe}
