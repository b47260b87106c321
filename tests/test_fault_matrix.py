"""The fault matrix: every dynamic resource under every fault, through Pulumi's provider host.

Each cell runs one resource's lifecycle against the local AWS with one fault armed and checks the
same invariants: no duplicate billable object (the call counter and the listing), no orphan (the
listing after the lifecycle), and a clear error naming the operation where the fault wins.
`MATRIX` renders the table the README shows (`test_the_readme_shows_this_matrix`).

Throttled retries sleep botocore's backoff scaled by 1/100 (`sagestack.testing.compressed_backoff`)
in `standard` retry mode: the attempts and retry decisions are botocore's own, only the sleeping
shrinks, so bursts of 10 on every call fit in seconds. Waits run on a fast local clock.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from pulumi.dynamic import ResourceProvider

from components.providers.endpoint import EndpointProvider
from components.providers.feature_group import FeatureGroupProvider
from components.providers.model_package import ModelPackageProvider
from components.providers.training_job import TrainingJobProvider
from sagestack.testing.local_aws import DEFAULT_REGION, LocalAws
from sagestack.testing.provider_host import Deployment, DiffOutcome, ProviderError, ProviderHost, interrupt_up
from tests.sagemaker_requests import ROLE, endpoint_config, model, model_package
from tests.test_training_job_provider import job_inputs

RETRY_DELAY_SCALE = 0.01
MAX_ATTEMPTS = 11
"""The providers' default attempts per call (components.core.aws): a burst of 10 is survived."""
README = Path(__file__).resolve().parents[1] / "README.md"


@dataclass(frozen=True)
class Subject:
    """One dynamic resource under fault: how to deploy, change, list and disturb it."""

    label: str
    kind: str
    provider: Callable[[], ResourceProvider]
    inputs: Callable[[], dict[str, Any]]
    changed: Callable[[], dict[str, Any]]
    """Inputs that change the resource in place (an update, not a replace)."""
    create: str
    calls: frozenset[str]
    """Every operation the lifecycle may call: a burst is armed on each."""
    prepare: Callable[[LocalAws], None]
    listing: str
    """The List call `live` makes (the test's, not the provider's)."""
    live: Callable[[LocalAws], list[str]]
    """What SageMaker holds of this kind (names or ARNs), the orphan and duplicate check."""
    update: str
    """The mutating call of an in-place change (`changed`)."""
    delete: str
    """The call that deletes it (for a completed training job: none is made; it is kept)."""
    update_takes_time: bool
    """Whether SageMaker's in-place change runs on (Updating, InProgress) after the call returns."""
    change_outside: Callable[[LocalAws, str], None]
    delete_outside: Callable[[LocalAws, str], None]
    """Delete the resource as someone outside Pulumi would (the console, the CLI)."""
    seen_by_refresh: Callable[[dict[str, Any] | None], bool]
    kept_after_failure: int
    """Objects SageMaker keeps when creation fails: a Failed job or version is a record, not a bill."""
    kept_after_destroy: int


def _sagemaker(aws: LocalAws) -> Any:
    return aws.client("sagemaker")


def _no_prepare(_: LocalAws) -> None:
    pass


def _training_job_inputs(**overrides: Any) -> dict[str, Any]:
    return job_inputs(**overrides)


TRAINING_JOB = Subject(
    label="TrainingJob",
    kind="training_job",
    provider=TrainingJobProvider,
    inputs=_training_job_inputs,
    changed=lambda: job_inputs(tags={"team": "ml", "stage": "dev"}),
    create="CreateTrainingJob",
    calls=frozenset(
        {"CreateTrainingJob", "DescribeTrainingJob", "AddTags", "ListTags", "StopTrainingJob", "DeleteTrainingJob"}
    ),
    prepare=_no_prepare,
    listing="ListTrainingJobs",
    live=lambda aws: [j["TrainingJobName"] for j in _sagemaker(aws).list_training_jobs()["TrainingJobSummaries"]],
    update="AddTags",
    delete="DeleteTrainingJob",
    update_takes_time=False,
    change_outside=lambda aws, id_: _sagemaker(aws).delete_training_job(TrainingJobName=id_),
    delete_outside=lambda aws, id_: _sagemaker(aws).delete_training_job(TrainingJobName=id_),
    seen_by_refresh=lambda outputs: outputs is None,
    kept_after_failure=1,
    kept_after_destroy=1,  # a completed job is lineage: destroy keeps it (and bills nothing)
)


def _package_inputs(**overrides: Any) -> dict[str, Any]:
    return {
        "logical_name": "churn-model",
        "request": model_package("churn"),
        "customer_metadata": {"team": "ml"},
        **overrides,
    }


def _prepare_registry(aws: LocalAws) -> None:
    _sagemaker(aws).create_model_package_group(ModelPackageGroupName="churn")


MODEL_PACKAGE = Subject(
    label="ModelPackage",
    kind="model_package",
    provider=ModelPackageProvider,
    inputs=_package_inputs,
    changed=lambda: _package_inputs(customer_metadata={"team": "platform"}),
    create="CreateModelPackage",
    calls=frozenset({"CreateModelPackage", "DescribeModelPackage", "UpdateModelPackage", "DeleteModelPackage"}),
    prepare=_prepare_registry,
    listing="ListModelPackages",
    live=lambda aws: [
        p["ModelPackageArn"]
        for p in _sagemaker(aws).list_model_packages(ModelPackageGroupName="churn")["ModelPackageSummaryList"]
    ],
    update="UpdateModelPackage",
    delete="DeleteModelPackage",
    update_takes_time=False,
    change_outside=lambda aws, id_: _sagemaker(aws).update_model_package(
        ModelPackageArn=id_, ModelApprovalStatus="Rejected"
    ),
    delete_outside=lambda aws, id_: _sagemaker(aws).delete_model_package(ModelPackageName=id_),
    seen_by_refresh=lambda outputs: outputs is not None and outputs["approval_status"] == "Rejected",
    kept_after_failure=1,
    kept_after_destroy=0,
)


def _endpoint_inputs(config: str = "config-1") -> dict[str, Any]:
    return {"endpoint_name": "churn", "endpoint_config_name": config, "tags": {"team": "ml"}}


def _prepare_hosting(aws: LocalAws) -> None:
    sm = _sagemaker(aws)
    sm.create_model(**model("model-1"))
    sm.create_endpoint_config(**endpoint_config("config-1", count=1))
    sm.create_endpoint_config(**endpoint_config("config-2", count=2))


ENDPOINT = Subject(
    label="Endpoint",
    kind="endpoint",
    provider=EndpointProvider,
    inputs=_endpoint_inputs,
    changed=lambda: _endpoint_inputs("config-2"),
    create="CreateEndpoint",
    calls=frozenset({"CreateEndpoint", "DescribeEndpoint", "UpdateEndpoint", "ListTags", "DeleteEndpoint"}),
    prepare=_prepare_hosting,
    listing="ListEndpoints",
    live=lambda aws: [e["EndpointName"] for e in _sagemaker(aws).list_endpoints()["Endpoints"]],
    update="UpdateEndpoint",
    delete="DeleteEndpoint",
    update_takes_time=True,
    change_outside=lambda aws, id_: _sagemaker(aws).update_endpoint(EndpointName=id_, EndpointConfigName="config-2"),
    delete_outside=lambda aws, id_: _sagemaker(aws).delete_endpoint(EndpointName=id_),
    seen_by_refresh=lambda outputs: outputs is not None and outputs["endpoint_config_name"] == "config-2",
    kept_after_failure=0,
    kept_after_destroy=0,
)

FEATURES = [
    {"FeatureName": "customer_id", "FeatureType": "String"},
    {"FeatureName": "event_time", "FeatureType": "Fractional"},
]


def _group_inputs(features: list[dict[str, Any]] = FEATURES) -> dict[str, Any]:
    return {
        "feature_group_name": "customers",
        "record_identifier": "customer_id",
        "event_time": "event_time",
        "features": features,
        "online_store": {"EnableOnlineStore": True},
        "role_arn": ROLE,
        "tags": {"team": "ml"},
    }


AGE = {"FeatureName": "age", "FeatureType": "Integral"}
FEATURE_GROUP = Subject(
    label="FeatureGroup",
    kind="feature_group",
    provider=FeatureGroupProvider,
    inputs=_group_inputs,
    changed=lambda: _group_inputs([*FEATURES, AGE]),
    create="CreateFeatureGroup",
    calls=frozenset(
        {"CreateFeatureGroup", "DescribeFeatureGroup", "UpdateFeatureGroup", "ListTags", "DeleteFeatureGroup"}
    ),
    prepare=_no_prepare,
    listing="ListFeatureGroups",
    live=lambda aws: [g["FeatureGroupName"] for g in _sagemaker(aws).list_feature_groups()["FeatureGroupSummaries"]],
    update="UpdateFeatureGroup",
    delete="DeleteFeatureGroup",
    update_takes_time=True,
    change_outside=lambda aws, id_: _sagemaker(aws).update_feature_group(FeatureGroupName=id_, FeatureAdditions=[AGE]),
    delete_outside=lambda aws, id_: _sagemaker(aws).delete_feature_group(FeatureGroupName=id_),
    seen_by_refresh=lambda outputs: outputs is not None and "age" in [f["FeatureName"] for f in outputs["features"]],
    kept_after_failure=0,
    kept_after_destroy=0,
)

SUBJECTS = (TRAINING_JOB, MODEL_PACKAGE, ENDPOINT, FEATURE_GROUP)
BY_LABEL = {subject.label: subject for subject in SUBJECTS}


@pytest.fixture(params=SUBJECTS, ids=[s.label for s in SUBJECTS])
def subject(request: pytest.FixtureRequest) -> Subject:
    return request.param


@pytest.fixture
def faulty_aws(aws: LocalAws, subject: Subject) -> Iterator[LocalAws]:
    """The local AWS with the subject's prerequisites, in virtual time that tests move."""
    subject.prepare(aws)
    aws.clear_calls()
    aws.freeze_clock()
    yield aws


@pytest.fixture
def host(faulty_aws: LocalAws) -> Iterator[ProviderHost]:
    with _host(faulty_aws) as host:
        yield host


@contextmanager
def _host(
    aws: LocalAws, region: str = DEFAULT_REGION, stack_region: str | None = DEFAULT_REGION
) -> Iterator[ProviderHost]:
    """A provider host whose environment names `region` and whose stack config names `stack_region`."""
    env = {**aws.env(region), "AWS_RETRY_MODE": "standard"}
    with ProviderHost(env=env, retry_delay_scale=RETRY_DELAY_SCALE) as host:
        host.configure({"aws:region": stack_region} if stack_region else {})
        yield host


@contextmanager
def time_flies(aws: LocalAws, step: float = 120.0, every: float = 0.2) -> Iterator[None]:
    """Move the local AWS's clock on by `step` seconds every `every` real seconds."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            aws.advance_clock(step)

    ticker = threading.Thread(target=run, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()


def sagemaker_calls(aws: LocalAws) -> dict[str, int]:
    return {op.removeprefix("sagemaker:"): n for op, n in aws.calls().items() if op.startswith("sagemaker:")}


# --- the cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize("burst", [1, 5, 10])
def test_throttling_bursts_on_every_call(
    subject: Subject, faulty_aws: LocalAws, host: ProviderHost, burst: int
) -> None:
    for operation in subject.calls:
        faulty_aws.fail_calls(f"sagemaker:{operation}", count=burst)
    deployment = Deployment(host)
    with time_flies(faulty_aws):
        created = deployment.up("r", subject.provider(), subject.inputs())
        assert deployment.up("r", subject.provider(), subject.changed()).operation == "update"
        assert deployment.refresh("r") is not None
        assert subject.live(faulty_aws) == [created.state.id]
        deployment.destroy("r")
    calls = sagemaker_calls(faulty_aws)
    calls.pop(subject.listing)
    assert calls[subject.create] == burst + 1  # every throttled attempt failed before AWS acted; one went through
    assert set(calls) <= subject.calls, f"calls outside the matrix: {set(calls) - subject.calls}"
    assert all(count > burst for count in calls.values()), calls  # each call really met its burst
    assert len(subject.live(faulty_aws)) == subject.kept_after_destroy


def test_a_5xx_on_create_is_retried(subject: Subject, faulty_aws: LocalAws, host: ProviderHost) -> None:
    faulty_aws.fail_calls(f"sagemaker:{subject.create}", code="InternalFailure", status=500, message="internal error")
    with time_flies(faulty_aws):
        created = Deployment(host).up("r", subject.provider(), subject.inputs())
    assert len(subject.live(faulty_aws)) == 1
    assert created.state.id in subject.live(faulty_aws)


def test_a_lost_create_response_is_not_a_second_object(
    subject: Subject, faulty_aws: LocalAws, host: ProviderHost
) -> None:
    faulty_aws.fail_calls(
        f"sagemaker:{subject.create}", code="InternalFailure", status=500, message="internal", after_serving=True
    )
    with time_flies(faulty_aws):
        created = Deployment(host).up("r", subject.provider(), subject.inputs())
    assert subject.live(faulty_aws) == [created.state.id]
    assert sagemaker_calls(faulty_aws)[subject.create] == 2  # the retry found what the lost call made


def test_a_create_that_keeps_failing_is_a_clear_error(
    subject: Subject, faulty_aws: LocalAws, host: ProviderHost
) -> None:
    faulty_aws.fail_calls(
        f"sagemaker:{subject.create}", count=MAX_ATTEMPTS, code="ServiceUnavailable", status=503, message="try later"
    )
    with pytest.raises(ProviderError) as failed:
        Deployment(host).up("r", subject.provider(), subject.inputs())
    assert f"{subject.create} failed with ServiceUnavailable: try later" in failed.value.details
    assert subject.live(faulty_aws) == []
    with time_flies(faulty_aws):
        Deployment(host).up("r", subject.provider(), subject.inputs())  # the next `up` creates it once
    assert len(subject.live(faulty_aws)) == 1


def test_a_host_killed_while_waiting_then_a_new_up(subject: Subject, faulty_aws: LocalAws) -> None:
    interrupt_up(
        {**faulty_aws.env(), "AWS_RETRY_MODE": "standard"},
        "r",
        subject.provider(),
        subject.inputs(),
        started=lambda: bool(subject.live(faulty_aws)),  # created, now waiting
        retry_delay_scale=RETRY_DELAY_SCALE,
    )
    assert len(subject.live(faulty_aws)) == 1
    with _host(faulty_aws) as second, time_flies(faulty_aws):
        step = Deployment(second).up("r", subject.provider(), subject.inputs())
    assert subject.live(faulty_aws) == [step.state.id]


def test_a_failure_state_surfaces_its_reason(subject: Subject, faulty_aws: LocalAws, host: ProviderHost) -> None:
    reason = f"{subject.label} broke: ClientError: s3://data/train is empty"
    faulty_aws.fail_resource(subject.kind, reason)
    deployment = Deployment(host)
    with time_flies(faulty_aws), pytest.raises(ProviderError) as failed:
        deployment.up("r", subject.provider(), subject.inputs())
    assert "FailureReason: " in failed.value.details and reason in failed.value.details
    assert deployment.resources == {}
    assert len(subject.live(faulty_aws)) == subject.kept_after_failure


def test_an_outside_change_is_seen_by_refresh(subject: Subject, faulty_aws: LocalAws, host: ProviderHost) -> None:
    deployment = Deployment(host)
    with time_flies(faulty_aws):
        created = deployment.up("r", subject.provider(), subject.inputs())
        subject.change_outside(faulty_aws, created.state.id)
        faulty_aws.advance_clock(3600)
        refreshed = deployment.refresh("r")
    assert subject.seen_by_refresh(refreshed.outputs if refreshed else None)
    after_refresh = deployment.preview("r", subject.provider(), subject.inputs())
    assert after_refresh is None or after_refresh.changes == "some"  # the next `up` shows it, never hides it


def test_a_lost_update_response_converges(subject: Subject, faulty_aws: LocalAws, host: ProviderHost) -> None:
    """The in-place change took effect, its response was lost (5xx); botocore's retry meets a busy
    resource or a change already made. The provider looks at the live state and succeeds."""
    deployment = Deployment(host)
    with time_flies(faulty_aws, every=0.5):
        created = deployment.up("r", subject.provider(), subject.inputs())
        faulty_aws.fail_calls(f"sagemaker:{subject.update}", 1, code="InternalFailure", status=500, after_serving=True)
        updated = deployment.up("r", subject.provider(), subject.changed())
        assert updated.operation == "update"
        assert deployment.preview("r", subject.provider(), subject.changed()) == DiffOutcome("none", [], False)
        refreshed = deployment.refresh("r")
    assert refreshed is not None and subject.live(faulty_aws) == [created.state.id]
    assert deployment.preview("r", subject.provider(), subject.changed()).changes == "none"  # type: ignore[union-attr]


def test_an_earlier_change_still_in_progress(subject: Subject, faulty_aws: LocalAws, host: ProviderHost) -> None:
    """An interrupted `up` left a change running; the next `up` waits it out, then converges."""
    if not subject.update_takes_time:
        pytest.skip(f"{subject.update} takes effect before it answers: nothing stays in progress")
    deployment = Deployment(host)
    with time_flies(faulty_aws):
        created = deployment.up("r", subject.provider(), subject.inputs())
    subject.change_outside(faulty_aws, created.state.id)  # the same change, still in progress (frozen clock)
    with time_flies(faulty_aws, every=1.0):
        assert deployment.up("r", subject.provider(), subject.changed()).operation == "update"
    assert subject.live(faulty_aws) == [created.state.id]
    assert deployment.preview("r", subject.provider(), subject.changed()) == DiffOutcome("none", [], False)


OTHER_REGION = "eu-west-1"


def test_a_lost_delete_response_converges(subject: Subject, faulty_aws: LocalAws, host: ProviderHost) -> None:
    """The delete took effect, its response was lost (5xx); botocore's retry finds the resource
    deleting or gone. Destroy still ends with nothing left and no error."""
    deployment = Deployment(host)
    with time_flies(faulty_aws, every=0.5):
        deployment.up("r", subject.provider(), subject.inputs())
        faulty_aws.fail_calls(f"sagemaker:{subject.delete}", 1, code="InternalFailure", status=500, after_serving=True)
        deployment.destroy("r")
    assert len(subject.live(faulty_aws)) == subject.kept_after_destroy


def test_the_environment_names_another_region_later(subject: Subject, faulty_aws: LocalAws) -> None:
    """No aws:region in the stack; the resource was created from a shell in us-west-2, and the
    next runs happen from one in eu-west-1. Every call must still reach the resource."""
    deployment = Deployment(cast(ProviderHost, None))
    with time_flies(faulty_aws), _host(faulty_aws, stack_region=None) as first:
        deployment.host = first
        created = deployment.up("r", subject.provider(), subject.inputs())
    with time_flies(faulty_aws), _host(faulty_aws, region=OTHER_REGION, stack_region=None) as later:
        deployment.host = later
        refreshed = deployment.refresh("r")
        assert refreshed is not None and refreshed.id == created.state.id  # found where it lives
        if subject.label == "FeatureGroup":  # a move would lose its records: refused, naming both regions
            with pytest.raises(ProviderError, match=f"{DEFAULT_REGION} -> {OTHER_REGION}"):
                deployment.preview("r", subject.provider(), subject.inputs())
        else:
            assert deployment.preview("r", subject.provider(), subject.inputs()) == DiffOutcome(
                "some", ["region"], False
            )
        deployment.destroy("r")
    assert len(subject.live(faulty_aws)) == subject.kept_after_destroy  # deleted where it lived


def test_credentials_of_another_account(subject: Subject, faulty_aws: LocalAws, host: ProviderHost) -> None:
    """The stack's resource lives in another account than the credentials at hand (a wrong
    AWS_PROFILE): refresh and destroy must not take "not found here" for "gone"."""
    deployment = Deployment(host)
    with time_flies(faulty_aws):
        created = deployment.up("r", subject.provider(), subject.inputs())
    state = deployment.resources["r"]
    elsewhere = {
        key: value.replace(":123456789012:", ":210987654321:") if isinstance(value, str) else value
        for key, value in state.outputs.items()
    }
    deployment.resources["r"] = dataclasses.replace(state, outputs=elsewhere)
    for operation in (lambda: deployment.refresh("r"), lambda: deployment.destroy("r")):
        with pytest.raises(
            ProviderError, match="lives in account 210987654321, but these credentials are for account 123456789012"
        ):
            operation()
    assert "r" in deployment.resources  # nothing dropped from the state
    assert subject.live(faulty_aws) == [created.state.id]  # nothing deleted


def test_deleted_outside_then_up_without_refresh(subject: Subject, faulty_aws: LocalAws, host: ProviderHost) -> None:
    """Someone deleted the resource; the next `up` changes it in place without a refresh first."""
    deployment = Deployment(host)
    with time_flies(faulty_aws):
        created = deployment.up("r", subject.provider(), subject.inputs())
        subject.delete_outside(faulty_aws, created.state.id)
        faulty_aws.advance_clock(3600)
        faulty_aws.clear_calls()
        with pytest.raises(ProviderError) as raised:
            deployment.up("r", subject.provider(), subject.changed())
    assert f"{subject.label} {created.state.id!r}: update failed" in raised.value.details
    assert "no longer exists in SageMaker (deleted outside Pulumi?)" in raised.value.details
    assert "Run `pulumi refresh` to drop it from the state" in raised.value.details
    assert [op for op in sagemaker_calls(faulty_aws) if not op.startswith("Describe")] == []


def test_destroy_while_still_changing(subject: Subject, faulty_aws: LocalAws, host: ProviderHost) -> None:
    """`pulumi up` was interrupted mid-create; `pulumi refresh --import-pending-creates` took the
    object into the state, and `pulumi destroy` runs while SageMaker is still creating it."""
    interrupt_up(
        {**faulty_aws.env(), "AWS_RETRY_MODE": "standard"},
        "r",
        subject.provider(),
        subject.inputs(),
        started=lambda: bool(subject.live(faulty_aws)),  # created, now waiting
        retry_delay_scale=RETRY_DELAY_SCALE,
    )
    (pending,) = subject.live(faulty_aws)
    deployment = Deployment(host)
    imported = deployment.import_resource("r", subject.provider(), subject.inputs(), pending)
    assert imported.outputs["status"] in {"InProgress", "Creating", "Pending"}
    with time_flies(faulty_aws):
        deployment.destroy("r")
    assert subject.live(faulty_aws) == []
    assert sagemaker_calls(faulty_aws).get(DELETE_CALL[subject.label], 0) == 1


DELETE_CALL = {
    "TrainingJob": "DeleteTrainingJob",
    "ModelPackage": "DeleteModelPackage",
    "Endpoint": "DeleteEndpoint",
    "FeatureGroup": "DeleteFeatureGroup",
}


# --- the table the README shows ----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    fault: str
    test: Callable[..., None]
    outcomes: dict[str, str]
    """Subject label -> what happens to it; one cell per subject (a test checks it)."""


MATRIX = (
    Row(
        "throttling, bursts of 1, 5 and 10 on every call (create, describe, update, tags, delete)",
        test_throttling_bursts_on_every_call,
        {
            "TrainingJob": "survived; 1 job",
            "ModelPackage": "survived; 1 version",
            "Endpoint": "survived; 1 endpoint",
            "FeatureGroup": "survived; 1 group",
        },
    ),
    Row(
        "5xx on the create call",
        test_a_5xx_on_create_is_retried,
        {
            "TrainingJob": "retried by botocore; 1 job",
            "ModelPackage": "retried; 1 version",
            "Endpoint": "retried; 1 endpoint",
            "FeatureGroup": "retried; 1 group",
        },
    ),
    Row(
        "create took effect but its response was lost (5xx)",
        test_a_lost_create_response_is_not_a_second_object,
        {
            "TrainingJob": "retry gets ResourceInUse: adopted; 1 job",
            "ModelPackage": "retry with the same ClientToken: same version",
            "Endpoint": 'retry gets "already existing": adopted; 1 endpoint',
            "FeatureGroup": "retry gets ResourceInUse: adopted; 1 group",
        },
    ),
    Row(
        "5xx on all 11 attempts of the create call",
        test_a_create_that_keeps_failing_is_a_clear_error,
        {
            "TrainingJob": "clear error naming CreateTrainingJob and the code; nothing created; next `up` creates 1",
            "ModelPackage": "same, naming CreateModelPackage",
            "Endpoint": "same, naming CreateEndpoint",
            "FeatureGroup": "same, naming CreateFeatureGroup",
        },
    ),
    Row(
        "provider host killed during the wait; a new host runs the next `up`",
        test_a_host_killed_while_waiting_then_a_new_up,
        {
            "TrainingJob": "adopts the running job (content-addressed name); 1 job",
            "ModelPackage": "same ClientToken returns the same version; 1 version",
            "Endpoint": "adopts the endpoint by name; 1 endpoint",
            "FeatureGroup": "adopts the group by name; 1 group",
        },
    ),
    Row(
        "failure state with a reason",
        test_a_failure_state_surfaces_its_reason,
        {
            "TrainingJob": "error with the FailureReason; the Failed job stays as a record",
            "ModelPackage": "error with the validation reason; the Failed version stays as a record",
            "Endpoint": "error with the FailureReason; the endpoint is deleted",
            "FeatureGroup": "error with the FailureReason; the group is deleted",
        },
    ),
    Row(
        "outside change, then `pulumi refresh`",
        test_an_outside_change_is_seen_by_refresh,
        {
            "TrainingJob": "job deleted outside: dropped from the state; next `up` creates it",
            "ModelPackage": "approval changed outside: refreshed; next `up` shows the diff",
            "Endpoint": "config changed outside: refreshed; next `up` shows the diff",
            "FeatureGroup": "feature added outside: refreshed; next `up` shows the diff",
        },
    ),
    Row(
        "an in-place change took effect but its response was lost (5xx)",
        test_a_lost_update_response_converges,
        {
            "TrainingJob": "AddTags retried: same tags; 1 job",
            "ModelPackage": "UpdateModelPackage retried: same approval; 1 version",
            "Endpoint": "retry meets the update in progress: waits, sees the new config; 1 endpoint",
            "FeatureGroup": "retry meets ResourceInUse: waits, sees the feature; 1 group",
        },
    ),
    Row(
        "an earlier change still in progress (an interrupted `up`), then `pulumi up`",
        test_an_earlier_change_still_in_progress,
        {
            "TrainingJob": "n/a: tags change at once",
            "ModelPackage": "n/a: UpdateModelPackage changes at once",
            "Endpoint": "waits out Updating, then deploys (or finds it deployed); 1 endpoint",
            "FeatureGroup": "waits out the update in progress, then adds what is missing; 1 group",
        },
    ),
    Row(
        "a delete took effect but its response was lost (5xx)",
        test_a_lost_delete_response_converges,
        {
            "TrainingJob": "n/a: a completed job is kept (no delete call)",
            "ModelPackage": "destroyed without error; nothing left",
            "Endpoint": "destroyed without error; nothing left",
            "FeatureGroup": "destroyed without error; nothing left",
        },
    ),
    Row(
        "created from one region, run later from another (no `aws:region` in the stack)",
        test_the_environment_names_another_region_later,
        {
            "TrainingJob": "refresh finds it where it lives; preview: replace (region); destroy reaches it",
            "ModelPackage": "same",
            "Endpoint": "same",
            "FeatureGroup": (
                "refresh finds it; preview refuses the move (records lost) unless allow_replace; destroy reaches it"
            ),
        },
    ),
    Row(
        "credentials of another account than the resource's (a wrong profile)",
        test_credentials_of_another_account,
        {
            "TrainingJob": "refresh and destroy refuse, naming both accounts; nothing dropped or deleted",
            "ModelPackage": "same",
            "Endpoint": "same",
            "FeatureGroup": "same",
        },
    ),
    Row(
        "deleted outside, then `pulumi up` without a refresh",
        test_deleted_outside_then_up_without_refresh,
        {
            "TrainingJob": "clear error: no longer exists, run `pulumi refresh`; no call but Describe",
            "ModelPackage": "same",
            "Endpoint": "same",
            "FeatureGroup": "same",
        },
    ),
    Row(
        "`pulumi destroy` while the resource is still being created",
        test_destroy_while_still_changing,
        {
            "TrainingJob": "StopTrainingJob, wait, DeleteTrainingJob; nothing left",
            "ModelPackage": "waits for Completed, deletes; nothing left",
            "Endpoint": "waits out Creating (SageMaker refuses to delete then), deletes; nothing left",
            "FeatureGroup": "waits for Created, deletes; nothing left",
        },
    ),
)


def render_matrix() -> str:
    lines = [
        "| fault | " + " | ".join(subject.label for subject in SUBJECTS) + " |",
        "|---" * (len(SUBJECTS) + 1) + "|",
    ]
    lines += [f"| {row.fault} | " + " | ".join(row.outcomes[s.label] for s in SUBJECTS) + " |" for row in MATRIX]
    return "\n".join(lines)


def test_every_cell_is_a_test_and_the_readme_shows_the_matrix() -> None:
    tests = {name for name, value in globals().items() if name.startswith("test_") and callable(value)}
    assert {row.test.__name__ for row in MATRIX} == tests - {
        test_every_cell_is_a_test_and_the_readme_shows_the_matrix.__name__
    }
    assert all(set(row.outcomes) == set(BY_LABEL) for row in MATRIX), "a row lacks a cell for some subject"
    assert render_matrix() in README.read_text(), "README's fault matrix differs: paste render_matrix()"
