"""Stacks written by earlier versions keep working.

A dynamic resource's state holds its provider, pickled by reference (module, class, attributes),
and `pulumi refresh` and `destroy` unpickle the provider stored in the state, not the program's.
`tests/fixtures/serialized_providers.json` holds the providers as an earlier main serialized them
(its commit is in the file). Each must still unpickle in Pulumi's host and serve Read, Diff,
Update and Delete of a resource the current code created. Renaming or moving a provider class,
or changing what it pickles, fails here.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from components.providers import PROVIDERS
from sagestack.testing.local_aws import DEFAULT_REGION, LocalAws
from sagestack.testing.provider_host import PROVIDER_KEY, Deployment, ProviderError, ProviderHost
from tests.test_fault_matrix import SUBJECTS, Subject

FIXTURES = json.loads((Path(__file__).with_name("fixtures") / "serialized_providers.json").read_text())
QUICK = {
    "training_job": {"starting": 0.1, "downloading": 0.1, "training": 0.2, "uploading": 0.1, "stopping": 0.1},
    "endpoint": {"creating": 0.2, "updating": 0.2, "deleting": 0.1},
    "feature_group": {"creating": 0.2, "updating": 0.1, "deleting": 0.1},
    "model_package": {"pending": 0.1, "in_progress": 0.1, "deleting": 0.1},
}


def qualified(provider: Callable[[], object]) -> str:
    """`module.Class` of a provider class (a subject's `provider` is the class itself)."""
    return f"{provider.__module__}.{getattr(provider, '__qualname__', '')}"


def test_every_registered_provider_has_a_pickled_fixture() -> None:
    """A new provider gets its fixture when it lands (serialize it, add it to the file)."""
    assert {qualified(provider) for provider in PROVIDERS} <= set(FIXTURES["providers"])


@pytest.fixture
def host(aws: LocalAws) -> Iterator[ProviderHost]:
    aws.set_durations(QUICK)
    with ProviderHost(env=aws.env()) as running:
        running.configure({"aws:region": DEFAULT_REGION})
        yield running


@pytest.mark.parametrize("subject", SUBJECTS, ids=[s.label for s in SUBJECTS])
def test_a_provider_pickled_by_an_earlier_version_still_serves_its_resource(
    subject: Subject, aws: LocalAws, host: ProviderHost
) -> None:
    subject.prepare(aws)
    created = Deployment(host).up("r", subject.provider(), subject.inputs()).state
    old_provider = FIXTURES["providers"][qualified(subject.provider)]

    def as_stored(properties: dict[str, Any]) -> dict[str, Any]:
        return {**properties, PROVIDER_KEY: old_provider}

    outputs, inputs = as_stored(created.outputs), as_stored(created.inputs)
    found, read, _ = host.read(created.urn, created.id, outputs, inputs)  # pulumi refresh
    assert found == created.id
    assert read[PROVIDER_KEY] == old_provider

    news, failures = host.check(created.urn, inputs, as_stored(subject.changed()))
    assert failures == []
    diff = host.diff(created.urn, created.id, outputs, news, inputs)
    assert (diff.changes, diff.replaces) == ("some", [])
    host.update(created.urn, created.id, outputs, news, inputs)

    host.delete(created.urn, created.id, outputs, inputs)  # pulumi destroy
    assert len(subject.live(aws)) == subject.kept_after_destroy


def test_a_renamed_provider_class_would_break_stored_stacks(aws: LocalAws, host: ProviderHost) -> None:
    """Negative control: the test above can fail. A state naming a class that no longer exists
    (here TrainingJobProvider renamed, in the pickle itself) cannot be refreshed."""
    subject = SUBJECTS[0]
    created = Deployment(host).up("r", subject.provider(), subject.inputs()).state
    pickled = base64.b64decode(FIXTURES["providers"][qualified(subject.provider)])
    renamed = base64.b64encode(pickled.replace(b"TrainingJobProvider", b"TrainingJobProvidex")).decode()
    state = {**created.outputs, PROVIDER_KEY: renamed}
    with pytest.raises(ProviderError, match="TrainingJobProvidex"):
        host.read(created.urn, created.id, state, state)
