"""Shared fixtures: one local AWS per session (clean state per test) and Pulumi's provider host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sagestack.testing.local_aws import DEFAULT_REGION, LocalAws
from sagestack.testing.provider_host import Deployment, ProviderHost


@pytest.fixture(scope="session")
def local_aws_server() -> Iterator[LocalAws]:
    server = LocalAws.start(port=0)
    yield server
    server.stop()


@pytest.fixture
def aws(local_aws_server: LocalAws) -> LocalAws:
    """The local AWS with nothing in it: no resources, faults, counts or clock changes."""
    local_aws_server.reset()
    return local_aws_server


@pytest.fixture
def frozen_aws(aws: LocalAws) -> LocalAws:
    """The local AWS in virtual time: statuses move only when the test advances the clock."""
    aws.freeze_clock()
    return aws


@pytest.fixture
def provider_host(aws: LocalAws) -> Iterator[ProviderHost]:
    """Pulumi's dynamic-provider host, configured like the engine does, pointed at the local AWS."""
    with ProviderHost(env=aws.env()) as host:
        host.configure({"aws:region": DEFAULT_REGION})
        yield host


@pytest.fixture
def deployment(provider_host: ProviderHost) -> Deployment:
    return Deployment(provider_host)
