"""The TrainingJob provider through Pulumi's own provider host, against the local AWS."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.providers.training_job import TrainingJobProvider
from sagestack.testing.local_aws import LocalAws
from sagestack.testing.provider_host import Deployment, ProviderError, ProviderHost, interrupt_up, urn_for
from tests.sagemaker_requests import training_job

QUICK = {"starting": 0.2, "downloading": 0.2, "training": 0.4, "uploading": 0.2, "stopping": 0.2}


def job_inputs(**overrides: Any) -> dict[str, Any]:
    request = training_job("unused")
    del request["TrainingJobName"]
    inputs: dict[str, Any] = {"name_prefix": "churn", "request": request, "tags": {"team": "ml"}}
    inputs.update(overrides)
    return inputs


@pytest.fixture
def quick_aws(aws: LocalAws) -> LocalAws:
    aws.set_durations({"training_job": QUICK})
    return aws


def test_create_waits_for_completion_and_reports_outputs(deployment: Deployment, quick_aws: LocalAws) -> None:
    step = deployment.up("train", TrainingJobProvider(), job_inputs())
    outputs = step.state.outputs
    name = step.state.id
    assert name.startswith("churn-") and len(name) == len("churn-") + 12
    assert outputs["status"] == "Completed" and outputs["secondary_status"] == "Completed"
    assert outputs["model_artifacts"] == f"s3://data/output/{name}/output/model.tar.gz"
    assert outputs["arn"].endswith(f":training-job/{name}")
    assert outputs["training_time_in_seconds"] >= 1
    assert outputs["request"]["ResourceConfig"]["InstanceCount"] == 1
    tags = quick_aws.client("sagemaker").list_tags(ResourceArn=outputs["arn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "ml"}]


def test_identical_rerun_adopts_instead_of_training_again(provider_host: ProviderHost, quick_aws: LocalAws) -> None:
    first = Deployment(provider_host).up("train", TrainingJobProvider(), job_inputs())
    second = Deployment(provider_host).up("train", TrainingJobProvider(), job_inputs())
    assert second.state.id == first.state.id
    assert second.state.outputs["model_artifacts"] == first.state.outputs["model_artifacts"]
    assert quick_aws.calls()["sagemaker:CreateTrainingJob"] == 1


def test_interrupted_create_is_adopted_by_the_next_up(quick_aws: LocalAws) -> None:
    quick_aws.set_durations({"training_job": {**QUICK, "training": 600}})
    interrupt_up(
        quick_aws.env(),
        "train",
        TrainingJobProvider(),
        job_inputs(),
        started=lambda: quick_aws.calls().get("sagemaker:CreateTrainingJob", 0) > 0,
    )
    quick_aws.advance_clock(600)  # the job finishes while nobody watches
    with ProviderHost(env=quick_aws.env()) as second:
        second.configure({"aws:region": "us-west-2"})
        step = Deployment(second).up("train", TrainingJobProvider(), job_inputs())
    assert step.state.outputs["status"] == "Completed"
    assert quick_aws.calls()["sagemaker:CreateTrainingJob"] == 1
    assert len(quick_aws.client("sagemaker").list_training_jobs()["TrainingJobSummaries"]) == 1


def test_failed_job_surfaces_its_failure_reason(deployment: Deployment, quick_aws: LocalAws) -> None:
    quick_aws.fail_resource("training_job", "AlgorithmError: ValueError: labels must be 0 or 1")
    with pytest.raises(ProviderError) as failed:
        deployment.up("train", TrainingJobProvider(), job_inputs())
    message = failed.value.details
    assert "ended Failed" in message
    assert "FailureReason: AlgorithmError: ValueError: labels must be 0 or 1" in message
    assert "Downloading" in message and "retrain_token" in message
    assert deployment.resources == {}
    with pytest.raises(ProviderError, match="labels must be 0 or 1"):
        deployment.up("train", TrainingJobProvider(), job_inputs())
    assert quick_aws.calls()["sagemaker:CreateTrainingJob"] == 1, "a failed job is never silently re-run"
    retrained = deployment.up("train", TrainingJobProvider(), job_inputs(retrain_token="fixed-labels"))
    assert retrained.state.outputs["status"] == "Completed"


def test_changed_hyperparameter_replaces_and_changed_tag_updates(deployment: Deployment, quick_aws: LocalAws) -> None:
    provider = TrainingJobProvider()
    created = deployment.up("train", provider, job_inputs())
    retagged = deployment.up("train", provider, job_inputs(tags={"team": "platform"}))
    assert retagged.operation == "update" and retagged.state.id == created.state.id
    sm = quick_aws.client("sagemaker")
    assert sm.list_tags(ResourceArn=created.state.outputs["arn"])["Tags"] == [{"Key": "team", "Value": "platform"}]
    request = job_inputs()["request"]
    request["HyperParameters"] = {"max_depth": "6"}
    replaced = deployment.up("train", provider, job_inputs(request=request, tags={"team": "platform"}))
    assert replaced.operation == "replace" and replaced.state.id != created.state.id
    assert replaced.diff is not None and "request" in replaced.diff.replaces
    names = {s["TrainingJobName"] for s in sm.list_training_jobs()["TrainingJobSummaries"]}
    assert names == {created.state.id, replaced.state.id}, "the completed job is kept as lineage"


def test_a_preview_of_a_retag_keeps_the_model_artifacts_known(deployment: Deployment, quick_aws: LocalAws) -> None:
    """The engine hands downstream resources the checked inputs as a previewed update's outputs:
    the artifacts' location must be among them, or a model package fed from this job would show
    as replaced (a new version) in every preview of a tag change."""
    provider = TrainingJobProvider()
    created = deployment.up("train", provider, job_inputs())
    planned = deployment.preview_outputs("train", provider, job_inputs(tags={"team": "platform"}))
    assert planned["model_artifacts"] == created.state.outputs["model_artifacts"]
    assert planned["training_job_name"] == created.state.id
    described = quick_aws.client("sagemaker").describe_training_job(TrainingJobName=created.state.id)
    assert planned["model_artifacts"] == described["ModelArtifacts"]["S3ModelArtifacts"]


def test_no_artifacts_are_predicted_for_a_job_not_waited_for(deployment: Deployment, quick_aws: LocalAws) -> None:
    planned = deployment.preview_outputs("train", TrainingJobProvider(), job_inputs(wait_for_completion=False))
    assert planned.get("model_artifacts") is None


def test_waiting_options_change_nothing_in_aws(deployment: Deployment, quick_aws: LocalAws) -> None:
    deployment.up("train", TrainingJobProvider(), job_inputs())
    quick_aws.clear_calls()
    step = deployment.up("train", TrainingJobProvider(), job_inputs(wait_timeout_seconds=7200))
    assert step.operation == "update" and step.diff is not None and step.diff.replaces == []
    assert "sagemaker:CreateTrainingJob" not in quick_aws.calls()


def test_delete_of_a_running_job_stops_it_and_frees_the_name(provider_host: ProviderHost, quick_aws: LocalAws) -> None:
    quick_aws.set_durations({"training_job": {**QUICK, "training": 600}})
    deployment = Deployment(provider_host)
    step = deployment.up("train", TrainingJobProvider(), job_inputs(wait_for_completion=False))
    assert step.state.outputs["status"] == "InProgress"
    deployment.destroy("train")
    calls = quick_aws.calls()
    assert calls["sagemaker:StopTrainingJob"] == 1 and calls["sagemaker:DeleteTrainingJob"] == 1
    assert quick_aws.client("sagemaker").list_training_jobs()["TrainingJobSummaries"] == []


def test_refresh_sees_a_job_stopped_outside_pulumi(deployment: Deployment, quick_aws: LocalAws) -> None:
    quick_aws.set_durations({"training_job": {**QUICK, "training": 600}})
    step = deployment.up("train", TrainingJobProvider(), job_inputs(wait_for_completion=False))
    quick_aws.client("sagemaker").stop_training_job(TrainingJobName=step.state.id)
    quick_aws.advance_clock(5)
    refreshed = deployment.refresh("train")
    assert refreshed is not None and refreshed.outputs["status"] == "Stopped"


def test_destroy_keeps_a_completed_job_as_lineage(deployment: Deployment, quick_aws: LocalAws) -> None:
    step = deployment.up("train", TrainingJobProvider(), job_inputs())
    deployment.destroy("train")
    summaries = quick_aws.client("sagemaker").list_training_jobs()["TrainingJobSummaries"]
    assert [s["TrainingJobName"] for s in summaries] == [step.state.id]
    assert "sagemaker:DeleteTrainingJob" not in quick_aws.calls()


def test_throttled_describes_do_not_fail_the_create(deployment: Deployment, quick_aws: LocalAws) -> None:
    quick_aws.fail_calls("sagemaker:DescribeTrainingJob", count=5)
    step = deployment.up("train", TrainingJobProvider(), job_inputs())
    assert step.state.outputs["status"] == "Completed"


def test_preview_with_an_unknown_role_checks_the_rest(provider_host: ProviderHost) -> None:
    request = job_inputs()["request"]
    request["RoleArn"] = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    inputs, failures = provider_host.check(
        urn_for("train"), {}, {**job_inputs(request=request), "__provider": serialize_provider(TrainingJobProvider())}
    )
    assert failures == []
    assert "training_job_name" not in inputs or inputs["training_job_name"] is None


def test_the_stack_region_wins_over_the_environment(quick_aws: LocalAws) -> None:
    with ProviderHost(env=quick_aws.env(region="us-west-2")) as host:
        host.configure({"aws:region": "eu-west-1"})
        step = Deployment(host).up("train", TrainingJobProvider(), job_inputs())
    assert ":eu-west-1:" in step.state.outputs["arn"]


def test_a_secret_hyperparameter_is_left_out_of_the_name(deployment: Deployment, quick_aws: LocalAws) -> None:
    """The name is plain in the state: with a secret hashed into it, a low-entropy secret (a PIN)
    could be found by hashing candidates with the rest of the request."""
    provider = TrainingJobProvider()

    def with_pin(pin: str, secret: bool = True) -> dict[str, Any]:
        request = job_inputs()["request"]
        request["HyperParameters"] = {"max_depth": "5", "pin": pin}
        return job_inputs(request=request, secret_members=["HyperParameters.pin"] if secret else [])

    created = deployment.up("train", provider, with_pin("1234"))
    assert created.state.id == deployment.preview_outputs("train", provider, with_pin("9999"))["training_job_name"]
    plain = deployment.preview_outputs("train", provider, with_pin("1234", secret=False))["training_job_name"]
    assert plain != created.state.id  # a value that is not secret is part of the job's identity

    rotated = deployment.up("train", provider, with_pin("9999"))
    assert rotated.operation == "update" and rotated.state.id == created.state.id  # not retrained
    assert quick_aws.calls()["sagemaker:CreateTrainingJob"] == 1
    changed = with_pin("9999")
    changed["request"]["HyperParameters"]["max_depth"] = "6"
    assert deployment.up("train", provider, changed).operation == "replace"  # anything else retrains
