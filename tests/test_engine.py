"""Our programs under the real Pulumi engine (the CLI through the Automation API), against the local AWS.

Each test runs `pulumi up / preview / refresh / destroy` as a user does, with a file backend and
a passphrase secrets provider, and checks what the engine planned and recorded (its step events,
its checkpoint) against what happened in the local AWS (call counts, listings).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.automation import CommandError
from pulumi.automation.events import OpType

from sagestack.testing.engine import EngineStack, engine_unavailable
from sagestack.testing.local_aws import LocalAws
from sagestack.toolchain import REPO_ROOT
from tests.engine_programs import CONFIGS, GROUP, AlwaysChangingTrainingJob, Platform, prepare

UNAVAILABLE = engine_unavailable()
pytestmark = pytest.mark.skipif(UNAVAILABLE is not None, reason=f"engine tests skipped: {UNAVAILABLE}")

JOB, PACKAGE, GROUP_RESOURCE, ENDPOINT = "churn-job", "churn-model-version", "customers-group", "churn-endpoint"
DYNAMIC = (JOB, PACKAGE, GROUP_RESOURCE, ENDPOINT)
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"
"""The key Pulumi's checkpoints mark an encrypted value with."""

MakeStack = Callable[..., EngineStack]


@pytest.fixture
def engine(aws: LocalAws, tmp_path: Path) -> Iterator[MakeStack]:
    prepare(aws)
    aws.clear_calls()
    stacks: list[EngineStack] = []

    def make(program: Callable[[], None], **options: Any) -> EngineStack:
        stack = EngineStack(program, aws, tmp_path / f"stack-{len(stacks)}", **options)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.close()


def mutations(aws: LocalAws) -> dict[str, int]:
    """SageMaker calls that change something (Create/Update/Delete/Stop/AddTags/DeleteTags)."""
    verbs = ("Create", "Update", "Delete", "Stop", "AddTags")
    return {op: n for op, n in aws.calls().items() if op.split(":")[1].startswith(verbs)}


def assert_no_changes(stack: EngineStack, aws: LocalAws) -> None:
    """A second `up` changes nothing (in the engine's plan and in AWS), and so says `preview`."""
    aws.clear_calls()
    result, plan = stack.up()
    assert plan.changed() == [], f"a second up changed: {plan.changed()}"
    assert set(result.summary.resource_changes or {}) == {OpType.SAME}, result.summary.resource_changes
    assert mutations(aws) == {}
    stack.preview(expect_no_changes=True)


def test_up_creates_each_resource_once_then_nothing_changes(engine: MakeStack, aws: LocalAws) -> None:
    stack = engine(Platform().program())
    _, plan = stack.up()
    for name in DYNAMIC:
        assert plan.ops(name) == ["create"], name
    assert mutations(aws) == {
        "sagemaker:CreateTrainingJob": 1,
        "sagemaker:CreateModelPackage": 1,
        "sagemaker:CreateFeatureGroup": 1,
        "sagemaker:CreateEndpoint": 1,
    }
    # Each component owns its dynamic resource, typed for URNs and policies.
    assert stack.resource(JOB)["parent"] == stack.resource("churn")["urn"]
    assert stack.resource(JOB)["type"] == "pulumi-python:dynamic/sagemaker:TrainingJob"
    assert stack.resource(PACKAGE)["parent"] == stack.resource("churn-model")["urn"]
    assert stack.resource(GROUP_RESOURCE)["type"] == "pulumi-python:dynamic/sagemaker:FeatureGroup"
    assert stack.resource(ENDPOINT)["outputs"]["status"] == "InService"

    assert_no_changes(stack, aws)


def test_the_no_change_check_fails_for_a_provider_that_always_diffs(engine: MakeStack, aws: LocalAws) -> None:
    """Negative control: the check above is not vacuous; a broken Diff makes it fail."""
    stack = engine(Platform(job_class=AlwaysChangingTrainingJob).program())
    stack.up()
    with pytest.raises(AssertionError, match="a second up changed"):
        assert_no_changes(stack, aws)


def test_in_place_changes_are_updates_in_the_engines_plan(engine: MakeStack, aws: LocalAws) -> None:
    stack = engine(Platform().program())
    stack.up()
    changed = Platform(team="data", approval="Approved", extra_features=("plan",), endpoint_config=CONFIGS[1])

    stack.output.clear()
    _, preview = stack.preview(program=changed.program(), diff=True)
    for name in DYNAMIC:
        assert preview.ops(name) == ["update"], (name, preview.ops(name))
    shown = "\n".join(stack.output)
    assert re.search(r'~ approval_status\s*: "PendingManualApproval" => "Approved"', shown)

    aws.clear_calls()
    _, plan = stack.up(program=changed.program())
    assert [plan.ops(name) for name in DYNAMIC] == [["update"]] * 4
    assert not any(op.split(":")[1].startswith("Create") for op in mutations(aws))
    sagemaker = aws.client("sagemaker")
    assert sagemaker.describe_endpoint(EndpointName="churn")["EndpointConfigName"] == CONFIGS[1]
    package = sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    assert [p["ModelApprovalStatus"] for p in package] == ["Approved"]
    features = sagemaker.describe_feature_group(FeatureGroupName="customers")["FeatureDefinitions"]
    assert [f["FeatureName"] for f in features] == ["customer_id", "event_time", "plan"]
    assert_no_changes(stack, aws)


def test_a_request_change_replaces_creating_the_new_one_first(engine: MakeStack, aws: LocalAws) -> None:
    stack = engine(Platform().program())
    stack.up()
    old_job = stack.resource(JOB)["outputs"]["training_job_name"]
    retrained = Platform(max_depth="7")

    _, preview = stack.preview(program=retrained.program())
    assert "replace" in preview.ops(JOB)

    _, plan = stack.up(program=retrained.program())
    ops = plan.ops(JOB)
    assert ops.index("create-replacement") < ops.index("delete-replaced"), ops
    new_job = stack.resource(JOB)["outputs"]["training_job_name"]
    assert new_job != old_job
    assert aws.calls()["sagemaker:CreateTrainingJob"] == 2
    assert_no_changes(stack, aws)


def test_preview_of_a_new_stack_passes_check_with_unknown_inputs(engine: MakeStack, aws: LocalAws) -> None:
    """The package's model artifacts come from a job that does not exist yet: unknown at preview."""
    stack = engine(Platform().program())
    _, plan = stack.preview()
    for name in DYNAMIC:
        assert plan.ops(name) == ["create"]
    assert mutations(aws) == {}


def test_refresh_shows_drift_and_drops_what_was_deleted_outside(engine: MakeStack, aws: LocalAws) -> None:
    stack = engine(Platform().program())
    stack.up()
    sagemaker = aws.client("sagemaker")
    group_arn = stack.resource(GROUP_RESOURCE)["outputs"]["arn"]
    sagemaker.add_tags(ResourceArn=group_arn, Tags=[{"Key": "owner", "Value": "someone-else"}])
    sagemaker.delete_endpoint(EndpointName="churn")
    sagemaker.get_waiter("endpoint_deleted").wait(EndpointName="churn", WaiterConfig={"Delay": 0.2})

    result, _ = stack.refresh()
    assert result.summary.resource_changes is not None
    assert result.summary.resource_changes.get(OpType.UPDATE) == 1
    assert result.summary.resource_changes.get(OpType.DELETE) == 1
    assert stack.resource(GROUP_RESOURCE)["outputs"]["tags"] == {"team": "ml", "owner": "someone-else"}
    assert not [r for r in stack.resources() if r["urn"].endswith(f"::{ENDPOINT}")]

    aws.clear_calls()
    _, plan = stack.up()
    assert plan.ops(ENDPOINT) == ["create"]
    assert plan.ops(GROUP_RESOURCE) == ["update"]
    assert aws.calls()["sagemaker:CreateEndpoint"] == 1
    assert [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]] == ["churn"]
    assert_no_changes(stack, aws)


def test_an_interrupted_up_adopts_the_running_job(engine: MakeStack, aws: LocalAws) -> None:
    """Ctrl-C, then a kill, while `up` waits for a training job; then what a user runs next."""
    stack = engine(Platform().training_program())
    aws.freeze_clock()
    stack.interrupt_up(when=lambda: aws.calls().get("sagemaker:DescribeTrainingJob", 0) >= 2)

    # What the engine recorded: a create in flight, with no ID; and a lock, as the CLI was killed.
    [pending] = stack.pending_operations()
    assert pending["type"] == "creating"
    assert pending["resource"]["urn"].endswith(f"::{JOB}")
    assert JOB not in [r["urn"].rsplit("::", 1)[-1] for r in stack.resources()]
    # The killed CLI's provider host lives on, but its wait notices the engine is gone and stops polling.
    polled = aws.calls().get("sagemaker:DescribeTrainingJob", 0)
    time.sleep(6)  # three polls at the waiter's 2 s floor
    assert aws.calls().get("sagemaker:DescribeTrainingJob", 0) <= polled + 1
    stack.kill_strays()
    with pytest.raises(CommandError, match="locked"):
        stack.up()

    aws.advance_clock(3600)  # the job finished meanwhile
    stack.stack.cancel()  # `pulumi cancel`: removes the dead CLI's lock
    _, plan = stack.up()  # `pulumi up`: creates again, and the provider adopts the job
    assert plan.ops(JOB) == ["create"]
    assert any("adopting the existing job" in line for line in stack.output)
    assert aws.calls()["sagemaker:CreateTrainingJob"] == 1
    jobs = aws.client("sagemaker").list_training_jobs()["TrainingJobSummaries"]
    assert [(j["TrainingJobName"], j["TrainingJobStatus"]) for j in jobs] == [
        (stack.resource(JOB)["outputs"]["training_job_name"], "Completed")
    ]
    assert len(stack.pending_operations()) == 1  # the engine keeps the stale record ...
    stack.refresh(clear_pending_creates=True)  # ... until `pulumi refresh --clear-pending-creates`
    assert stack.pending_operations() == []
    assert stack.resource(JOB)["outputs"]["status"] == "Completed"
    assert_no_changes(stack, aws)


def test_a_secret_input_stays_encrypted_in_the_checkpoint(engine: MakeStack, aws: LocalAws) -> None:
    token, pin = "tracking-token-5f0c2b9e7d", "4711"
    platform = Platform(secret_environment={"TRACKING_TOKEN": token}, secret_hyperparameters={"pin": pin})
    stack = engine(platform.training_program())
    stack.up()

    checkpoint = stack.checkpoint_path().read_text()
    assert token not in checkpoint and f'"{pin}"' not in checkpoint
    job = stack.resource(JOB)
    for state in (job["inputs"], job["outputs"]):
        assert SECRET_SIGNATURE in state["request"]["Environment"]["TRACKING_TOKEN"]
        assert SECRET_SIGNATURE in state["request"]["HyperParameters"]["pin"]
        assert state["request"]["HyperParameters"]["max_depth"] == "5"  # the rest stays readable
    _, rotated = stack.preview(program=platform.but(secret_hyperparameters={"pin": "0815"}).training_program())
    assert rotated.ops(JOB) == ["update"]  # a new secret alone: stored, no new job (README: Training jobs)
    name = job["outputs"]["training_job_name"]
    described = aws.client("sagemaker").describe_training_job(TrainingJobName=name)
    assert described["Environment"] == {"TRACKING_TOKEN": token}  # SageMaker got the value itself

    stack.output.clear()
    stack.preview(program=platform.but(max_depth="9").training_program(), diff=True)
    shown = "\n".join(stack.output)
    assert "TRACKING_TOKEN" in shown and "[secret]" in shown
    assert token not in shown


def test_destroy_leaves_an_empty_stack_and_nothing_running(engine: MakeStack, aws: LocalAws) -> None:
    stack = engine(Platform().program())
    stack.up()
    job_name = stack.resource(JOB)["outputs"]["training_job_name"]
    stack.destroy()

    assert stack.resources() == []
    sagemaker = aws.client("sagemaker")
    assert sagemaker.list_endpoints()["Endpoints"] == []
    assert sagemaker.list_feature_groups()["FeatureGroupSummaries"] == []
    assert sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"] == []
    # A completed job's record is kept on purpose (README: Training jobs): lineage, not a running resource.
    jobs = sagemaker.list_training_jobs()["TrainingJobSummaries"]
    assert [(j["TrainingJobName"], j["TrainingJobStatus"]) for j in jobs] == [(job_name, "Completed")]


@pytest.mark.parametrize("isolated", [False, True], ids=["violating", "compliant"])
def test_the_policy_pack_under_a_real_preview(engine: MakeStack, aws: LocalAws, isolated: bool) -> None:
    key = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    stack = engine(Platform(network_isolation=isolated, kms_key_id=key).training_program())
    policy = REPO_ROOT / "policy"
    options: dict[str, Any] = {
        "policy_packs": [str(policy / "analyzer")],
        "policy_pack_configs": [str(policy / "config.prod.json")],
    }
    if isolated:
        stack.preview(**options)
        assert "sagemaker-training-network-isolation" not in "\n".join(stack.output)
        return
    with pytest.raises(CommandError):
        stack.preview(**options)
    shown = "\n".join(stack.output)
    assert "sagemaker-training-network-isolation" in shown
    assert "mandatory" in shown
    assert "production training jobs need networking.enable_network_isolation=True" in shown


@pytest.mark.parametrize("parallel", [2, 3], ids=["fewer-than-the-jobs", "as-many"])
def test_more_waits_than_the_engines_parallelism_are_named(engine: MakeStack, parallel: int) -> None:
    """Three training jobs: with --parallel 2 the third waits its turn, and the program says how to fix that."""

    def three_jobs() -> None:
        for depth in ("3", "4", "5"):
            pulumi.export(depth, Platform(max_depth=depth).training_job(f"job-{depth}"))

    stack = engine(three_jobs)
    stack.preview(parallel=parallel)
    warned = "more than 2 SageMaker resources that wait" in "\n".join(stack.output)
    assert warned == (parallel == 2)
