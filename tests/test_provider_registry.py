"""Every dynamic provider is registered, and every conformance suite covers every registered one.

`components.providers.PROVIDERS` is the list the suites are parametrized over; a provider that a
module defines but the list lacks, or that a suite leaves out, fails here instead of going
silently untested. The wait specs of every provider are linted against botocore's SageMaker
model the way botocore lints its own waiters: each provider's `Lifecycle` (every status of the
enum classified exactly once), and every wait it derives or declares.
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
from components.core.lifecycle import lifecycle_violations, spec_violations
from components.core.provider import SageMakerProvider
from components.core.service_model import input_shape
from components.core.waiter import WaitSpec
from components.providers import PROVIDERS
from tests import test_bad_inputs, test_fault_matrix
from tests.corpus_programs import TRANSLATIONS
from tests.corpus_pulumi import NATIVE


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


def test_the_real_world_corpus_test_covers_every_provider() -> None:
    """Each provider's create operation is translated from the corpus into component arguments
    and sent through the provider (not read back from pulumi-aws inputs)."""
    assert {provider.lifecycle.create for provider in PROVIDERS} <= set(TRANSLATIONS) - set(NATIVE)


def wait_specs() -> dict[str, WaitSpec]:
    """Every wait of every registered provider: those its lifecycle derives, and those its module
    declares for itself (the feature group's update waits)."""
    derived = {
        f"{provider.__name__}.{name}": getattr(provider.lifecycle, name)
        for provider in PROVIDERS
        for name in ("until_ready", "until_settled", "until_gone")
    }
    declared = {
        f"{provider.__module__.rsplit('.', 1)[-1]}.{name}": value
        for provider in PROVIDERS
        for name, value in vars(inspect.getmodule(provider)).items()
        if isinstance(value, WaitSpec)
    }
    return {**derived, **declared}


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.__name__ for p in PROVIDERS])
def test_each_lifecycle_matches_the_service_model(provider: type[SageMakerProvider]) -> None:
    """Operations exist and take the key; every status of the enum is in exactly one class."""
    assert lifecycle_violations(provider.lifecycle) == []


@pytest.mark.parametrize("name", sorted(wait_specs()))
def test_every_wait_matches_the_service_model(name: str) -> None:
    assert spec_violations(wait_specs()[name]) == []


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.__name__ for p in PROVIDERS])
def test_a_misspelt_or_forgotten_status_fails_the_lint(provider: type[SageMakerProvider]) -> None:
    """Negative control, for every record: the lint above is not vacuous."""
    lifecycle = provider.lifecycle
    failed = sorted(lifecycle.failed or lifecycle.ready)[0]
    misspelt = dataclasses.replace(lifecycle, failed=(lifecycle.failed - {failed}) | {failed + "d"})
    assert any(f"'{failed}d'" in found for found in lifecycle_violations(misspelt))
    assert any(failed in found for found in lifecycle_violations(misspelt))  # and left unclassified
    forgotten = dataclasses.replace(lifecycle, changing=frozenset())
    assert lifecycle_violations(forgotten) == [
        f"statuses of {lifecycle.status} in no class: {sorted(lifecycle.changing)}"
    ]
    assert lifecycle_violations(dataclasses.replace(lifecycle, status="Status"))
    assert lifecycle_violations(dataclasses.replace(lifecycle, describe=lifecycle.describe + "s"))
    assert lifecycle_violations(dataclasses.replace(lifecycle, delete=(lifecycle.delete or "Delete") + "Now"))
    assert lifecycle_violations(dataclasses.replace(lifecycle, key=lifecycle.key + "s"))


def test_a_misspelt_status_in_a_declared_wait_fails_the_lint() -> None:
    updated = wait_specs()["feature_group.UPDATED"]
    misspelt = dataclasses.replace(updated, failure=frozenset({"Faild"}))
    assert spec_violations(misspelt) == ["LastUpdateStatus.Status: ['Faild'] are not statuses of DescribeFeatureGroup"]


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.__name__ for p in PROVIDERS])
def test_every_wait_of_a_provider_is_on_its_describe(provider: type[SageMakerProvider]) -> None:
    module = inspect.getmodule(provider)
    operations = {spec.operation for spec in vars(module).values() if isinstance(spec, WaitSpec)}
    assert operations <= {provider.lifecycle.describe}


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.__name__ for p in PROVIDERS])
def test_replace_on_and_update_on_name_real_inputs(provider: type[SageMakerProvider]) -> None:
    """A misspelt entry would silently turn a replacing change into a state-only one."""
    fields = set(provider.inputs_model.model_fields)
    for entry in (*provider.replace_on, *provider.update_on):
        field, _, member = entry.partition(".")
        assert field in fields, entry
        if member:
            assert provider.request_operation
            members = cast(dict[str, Any], cast(StructureShape, input_shape(provider.request_operation)).members)
            assert member in members, entry
    assert not set(provider.replace_on) & set(provider.update_on)
