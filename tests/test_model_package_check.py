"""ModelPackage's Check across versions: additional inference specifications may only be appended.

Bad inputs are in the bad-input corpus (tests/bad_inputs.yaml, run by tests/test_bad_inputs.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.providers.model_package import ModelPackageProvider
from sagestack.testing.local_aws import LocalAws
from sagestack.testing.provider_host import ProviderHost, urn_for
from tests.test_model_package_provider import package_inputs

SPEC = {"Name": "gpu", "Containers": [{"Image": "123456789012.dkr.ecr.us-west-2.amazonaws.com/x:1"}]}


@pytest.fixture(scope="module")
def check_host(local_aws_server: LocalAws) -> Iterator[ProviderHost]:
    with ProviderHost(env=local_aws_server.env()) as host:
        host.configure({"aws:region": "us-west-2"})
        yield host


def _check(host: ProviderHost, inputs: dict[str, Any], olds: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    news = {**inputs, "__provider": serialize_provider(ModelPackageProvider())}
    return host.check(urn_for("pkg"), olds or {}, news)[1]


def test_removing_an_additional_specification_is_a_clear_error(check_host: ProviderHost) -> None:
    olds = package_inputs(additional_inference_specifications=[SPEC, {**SPEC, "Name": "cpu"}])
    news = package_inputs(additional_inference_specifications=[SPEC])
    [(prop, reason)] = _check(check_host, news, olds)
    assert prop == "additional_inference_specifications"
    assert "only append" in reason and "cpu" in reason
    assert (
        _check(
            check_host,
            package_inputs(
                additional_inference_specifications=[SPEC, {**SPEC, "Name": "cpu"}, {**SPEC, "Name": "inf"}]
            ),
            olds,
        )
        == []
    )
