"""What TrainingJob's Check computes from good inputs, through Pulumi's own provider host.

Bad inputs are in the bad-input corpus (tests/bad_inputs.yaml, run by tests/test_bad_inputs.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.providers.training_job import TrainingJobProvider
from sagestack.testing.local_aws import LocalAws
from sagestack.testing.provider_host import ProviderHost, urn_for
from tests.test_training_job_provider import job_inputs


@pytest.fixture(scope="module")
def check_host(local_aws_server: LocalAws) -> Iterator[ProviderHost]:
    with ProviderHost(env=local_aws_server.env()) as host:
        host.configure({"aws:region": "us-west-2"})
        yield host


def test_check_names_the_job_after_its_prefix(check_host: ProviderHost) -> None:
    news = {**job_inputs(), "__provider": serialize_provider(TrainingJobProvider())}
    inputs, failures = check_host.check(urn_for("train"), {}, news)
    assert failures == []
    assert inputs["training_job_name"].startswith("churn-")


def test_every_layer_reports_together(check_host: ProviderHost) -> None:
    """A value over every limit gets the service model's limit and our rule in one Check, and a
    rule beyond the model is reported beside a model violation elsewhere (one `up`, all fixes)."""
    request = job_inputs()["request"]
    request["HyperParameters"] = {"notes": "n" * 2501}
    request["StoppingCondition"]["MaxWaitTimeInSeconds"] = 7200  # without spot training
    request["ResourceConfig"]["InstanceType"] = "ml.nonsense.huge"
    news = {**job_inputs(request=request), "__provider": serialize_provider(TrainingJobProvider())}
    _, failures = check_host.check(urn_for("train"), {}, news)
    reasons = {(path, reason.split(" ")[0]) for path, reason in failures}
    assert {path for path, _ in reasons} == {
        "request.HyperParameters.notes",
        "request.StoppingCondition.MaxWaitTimeInSeconds",
        "request.ResourceConfig.InstanceType",
    }
    notes = [reason for path, reason in failures if path == "request.HyperParameters.notes"]
    assert len(notes) == 2 and any("2500" in reason for reason in notes) and any("256" in reason for reason in notes)
