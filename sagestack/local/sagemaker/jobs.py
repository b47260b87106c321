"""The job family: resources that run once through a status machine and end (training, processing...).

Every job kind is one `JobKind` row in `JOB_KINDS`: its API noun, the steps it walks with the
durations field that times each, where an injected failure cuts it short, what a stop plans,
and small hooks for what only that kind has. One generic create / describe / stop / list /
delete serves every row, so a new kind is a row (plus its durations entry in
`sagestack.local.control`) instead of a copy of the training-job module.

`register` checks a row against botocore's SageMaker model and the durations model when the
layer is imported: botocore's parser silently drops members it does not know, so a misspelt
member or status would otherwise only show up as a field the client never sees.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast, get_args

from botocore.model import ListShape, Shape, StructureShape
from pydantic import BaseModel

from sagestack.local.control import Durations, ResourceKind

from .core import Call, Phase, Record, always, echo, listing, operation, operation_names, service_model, tag_map
from .errors import ResourceInUse, ResourceNotFound, ValidationError

# The primary statuses every job kind of the API shares (TrainingJobStatus, ProcessingJobStatus,
# TransformJobStatus, HyperParameterTuningJobStatus); `register` checks a row's steps against its enum.
IN_PROGRESS = "InProgress"
COMPLETED = "Completed"
FAILED = "Failed"
STOPPING = "Stopping"
STOPPED = "Stopped"
TERMINAL = (COMPLETED, FAILED, STOPPED)


@dataclass(frozen=True)
class Step:
    """One status a job shows on its way."""

    status: str
    """The primary status (<Noun>Status) during the step."""
    secondary: str | None = None
    """The secondary status, for kinds that have one (training jobs' SecondaryStatus)."""
    duration: str | None = None
    """The field of the kind's durations model that says how long the step lasts; None: the job stays."""
    message: str = ""
    """What SageMaker says about the step in status transitions."""


Validate = Callable[[dict[str, Any]], None]
"""Refuses a create request the kind's own rules reject (raises a SageMakerError)."""
Extras = Callable[["JobKind", Record, dict[str, Any], float], dict[str, Any]]
"""Members only this kind describes, given the generic answer so far and the time."""


def _no_rules(_body: dict[str, Any]) -> None:
    return None


def _no_extras(_kind: JobKind, _record: Record, _answer: dict[str, Any], _now: float) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class JobKind:
    """One row of the job table. Operation and member names follow from `noun` the way the API
    names them (CreateTrainingJob, TrainingJobName, TrainingJobSummaries...); `register` confirms
    each against botocore's model."""

    noun: str
    """The API's noun, e.g. "TrainingJob"."""
    kind: ResourceKind
    """E.g. "training_job": its field of `Durations`, the kind a FailureFault names, its table in the store."""
    label: str
    """What error messages call it, e.g. "training job"."""
    arn_resource: str
    """The resource type in its ARN, e.g. "training-job"."""
    run: tuple[Step, ...]
    """From creation to the step a successful job ends in."""
    fails_during: str
    """The duration field of the run step that an injected failure cuts short, halfway through."""
    failed: Step
    """Where an injected failure leaves the job (its FailureReason is the fault's reason)."""
    stop: tuple[Step, ...]
    """What Stop<noun> plans from the moment it is called."""
    started_at: str
    """The status (secondary status, if the kind has one) from which the job counts as started."""
    start_member: str
    """Describe's start time member, e.g. "TrainingStartTime"."""
    end_member: str
    """Describe's end time member, set once a started job reaches a terminal status."""
    secondary_member: str | None = None
    """The secondary status member ("SecondaryStatus"), for the kinds whose describe has one."""
    deletable: bool = True
    """Whether the API has Delete<noun> (DeleteTrainingJob and DeleteProcessingJob do; DeleteTransformJob doesn't)."""
    validate: Validate = _no_rules
    extras: Extras = _no_extras
    defaults: tuple[tuple[str, Any], ...] = ()
    """Describe members the service answers even when the request left them out, with that value."""

    @property
    def create_op(self) -> str:
        return f"Create{self.noun}"

    @property
    def describe_op(self) -> str:
        return f"Describe{self.noun}"

    @property
    def stop_op(self) -> str:
        return f"Stop{self.noun}"

    @property
    def list_op(self) -> str:
        return f"List{self.noun}s"

    @property
    def delete_op(self) -> str | None:
        return f"Delete{self.noun}" if self.deletable else None

    @property
    def name_member(self) -> str:
        return f"{self.noun}Name"

    @property
    def arn_member(self) -> str:
        return f"{self.noun}Arn"

    @property
    def status_member(self) -> str:
        return f"{self.noun}Status"

    @property
    def summaries_member(self) -> str:
        return f"{self.noun}Summaries"

    @property
    def phase_member(self) -> str:
        """The member that changes at every step: the secondary status if the kind has one."""
        return self.secondary_member or self.status_member

    def message(self, value: str, failure_reason: str | None) -> str:
        """The transition message for a phase value; a failure's message is its reason."""
        messages = {step.secondary or step.status: step.message for step in (*self.run, *self.stop)}
        return messages.get(value, failure_reason or "")

    def transitions(self, record: Record, now: float, failure_reason: str | None) -> list[dict[str, Any]]:
        """Every phase so far with its start, end (once over) and message: SecondaryStatusTransitions."""
        return [
            {"Status": value, "StartTime": start, "StatusMessage": self.message(value, failure_reason)}
            | ({"EndTime": end} if end is not None else {})
            for value, start, end in record.timeline.transitions(self.phase_member, now)
        ]

    def fields(self, step: Step, **extra: Any) -> dict[str, Any]:
        """The status members a record's timeline takes on at `step`."""
        fields: dict[str, Any] = {self.status_member: step.status}
        if self.secondary_member is not None:
            fields[self.secondary_member] = step.secondary
        return fields | extra

    def plan(self, steps: tuple[Step, ...], durations: BaseModel) -> list[Phase]:
        return [
            (self.fields(step), None if step.duration is None else _seconds(durations, step.duration)) for step in steps
        ]

    def create_plan(self, durations: BaseModel, failure_reason: str | None) -> list[Phase]:
        """The run, or with a failure reason the run up to halfway through `fails_during`, then failed."""
        if failure_reason is None:
            return self.plan(self.run, durations)
        phases: list[Phase] = []
        for step in self.run:
            if step.duration == self.fails_during:
                half = _seconds(durations, self.fails_during) / 2
                return [
                    *phases,
                    (self.fields(step), half),
                    (self.fields(self.failed, FailureReason=failure_reason), None),
                ]
            phases += self.plan((step,), durations)
        raise AssertionError(f"{self.noun}: fails_during {self.fails_during!r} is no run step")  # register refuses


def _seconds(durations: BaseModel, name: str) -> float:
    """The durations field `name`, read when the job is planned, so a runtime change applies to later plans."""
    return float(getattr(durations, name))


JOB_KINDS: dict[str, JobKind] = {}
"""Every registered job kind, by noun."""


def register(kind: JobKind) -> JobKind:
    """Check the row, then serve its operations with the generic handlers."""
    _check(kind)
    JOB_KINDS[kind.noun] = kind
    operation(kind.create_op)(functools.partial(create, kind))
    operation(kind.describe_op)(functools.partial(describe, kind))
    operation(kind.stop_op)(functools.partial(stop, kind))
    operation(kind.list_op)(functools.partial(list_jobs, kind))
    if kind.delete_op is not None:
        operation(kind.delete_op)(functools.partial(delete, kind))
    return kind


def _durations(kind: JobKind, call: Call) -> BaseModel:
    return cast(BaseModel, getattr(call.durations, kind.kind))


def _find(kind: JobKind, call: Call, name: str) -> Record:
    record = call.store.find(kind.kind, name, call.now)
    if record is None:
        raise ValidationError("Requested resource not found.")
    return record


def create(kind: JobKind, call: Call, body: dict[str, Any]) -> dict[str, Any]:
    name = body[kind.name_member]
    existing = call.store.find(kind.kind, name, call.now)
    if existing is not None:
        raise ResourceInUse(
            f"{kind.label.capitalize()} names must be unique within an AWS account and region, and a "
            f"{kind.label} with this name already exists ({existing.arn})"
        )
    kind.validate(body)
    # SageMaker lower-cases the name in the ARN; names themselves are unique regardless of case.
    record = Record(kind.kind, name, call.arn(f"{kind.arn_resource}/{name.lower()}"), call.now, body)
    record.tags = tag_map(body.get("Tags"))
    # Taken after the request passed its checks, so a refused request does not use up the fault.
    reason = call.faults.take_failure(kind.kind, name)
    record.timeline.plan(call.now, kind.create_plan(_durations(kind, call), reason))
    call.store.add(record)
    return {kind.arn_member: record.arn}


def describe_record(kind: JobKind, call: Call, record: Record) -> dict[str, Any]:
    """The full Describe<noun> answer at `call.now`: the request echoed, status, times, then the kind's extras."""
    now = call.now
    state = record.state(now)
    timeline = record.timeline
    answer: dict[str, Any] = {
        **always(kind.describe_op, **dict(kind.defaults)),
        **echo(record.request, kind.describe_op),
        kind.name_member: record.name,
        kind.arn_member: record.arn,
        kind.status_member: state[kind.status_member],
    }
    if kind.secondary_member is not None:
        answer[kind.secondary_member] = state[kind.secondary_member]
    answer["CreationTime"] = record.created
    answer["LastModifiedTime"] = timeline.transitions(kind.phase_member, now)[-1][1]
    answer.pop("Tags", None)  # tags are answered by ListTags, never by a describe
    if state.get("FailureReason"):
        answer["FailureReason"] = state["FailureReason"]
    started = timeline.first_time(kind.phase_member, [kind.started_at], now)
    if started is not None:
        answer[kind.start_member] = started
        ended = timeline.first_time(kind.status_member, TERMINAL, now)
        if ended is not None:
            answer[kind.end_member] = ended
    return answer | kind.extras(kind, record, answer, now)


def describe(kind: JobKind, call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return describe_record(kind, call, _find(kind, call, body[kind.name_member]))


def list_jobs(kind: JobKind, call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return listing(
        call.store.all(kind.kind, call.now),
        body,
        kind.summaries_member,
        lambda record: describe_record(kind, call, record),
        _summary_members(kind),
        sort_fields={"Name": kind.name_member, "CreationTime": "CreationTime", "Status": kind.status_member},
        status_field=("StatusEquals", kind.status_member),
    )


def stop(kind: JobKind, call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find(kind, call, body[kind.name_member])
    status = record.state(call.now)[kind.status_member]
    if status != IN_PROGRESS:
        raise ValidationError(f"The request was rejected because the {kind.label} is in status {status}.")
    record.timeline.plan(call.now, kind.plan(kind.stop, _durations(kind, call)))
    return {}


def delete(kind: JobKind, call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = call.store.find(kind.kind, body[kind.name_member], call.now)
    if record is None:
        # Delete<noun> documents ResourceNotFound for a missing job (DeleteTrainingJob's and
        # DeleteProcessingJob's error lists), unlike Describe<noun>'s historical ValidationException.
        raise ResourceNotFound("Requested resource not found.")
    status = record.state(call.now)[kind.status_member]
    if status not in TERMINAL:
        raise ResourceInUse(
            f"{kind.label.capitalize()} {record.name} is in status {status}; "
            "only Completed, Failed or Stopped jobs can be deleted."
        )
    record.delete(call.now)
    return {}


@functools.cache
def _summary_members(kind: JobKind) -> tuple[str, ...]:
    """What a List<noun>s summary carries: the members of the API's summary shape (a describe answer's
    other members are left out, as SageMaker does)."""
    output = cast(StructureShape, service_model().operation_model(kind.list_op).output_shape)
    summaries = cast(dict[str, Shape], output.members).get(kind.summaries_member)
    if not isinstance(summaries, ListShape) or not isinstance(summaries.member, StructureShape):
        raise AssertionError(f"{kind.list_op} answers no {kind.summaries_member} list")
    return tuple(cast(dict[str, Shape], summaries.member.members))


def _check(kind: JobKind) -> None:
    """Refuse a row that names what botocore's SageMaker model or the durations model does not have."""

    def require(condition: bool, problem: str) -> None:
        if not condition:
            raise AssertionError(f"job kind {kind.noun}: {problem}")

    for op in (kind.create_op, kind.describe_op, kind.stop_op, kind.list_op, kind.delete_op):
        require(op is None or op in operation_names(), f"{op} is not a SageMaker operation")
    require(kind.kind in get_args(ResourceKind), f"{kind.kind!r} is not a control.ResourceKind")
    durations_model = Durations.model_fields[kind.kind].annotation
    require(isinstance(durations_model, type) and issubclass(durations_model, BaseModel), "no durations model")
    phase_names = set(cast(type[BaseModel], durations_model).model_fields)
    output = service_model().operation_model(kind.describe_op).output_shape
    require(isinstance(output, StructureShape), f"{kind.describe_op} has no output structure")
    members = cast(dict[str, Shape], cast(StructureShape, output).members)
    named = (kind.name_member, kind.arn_member, kind.status_member, kind.start_member, kind.end_member)
    for member in (*named, kind.secondary_member):
        require(member is None or member in members, f"{kind.describe_op} has no member {member}")
    always(kind.describe_op, **dict(kind.defaults))

    def values(member: str | None) -> list[str]:
        return cast(list[str], getattr(members[member], "enum", [])) if member is not None else []

    for step in (*kind.run, kind.failed, *kind.stop):
        require(step.status in values(kind.status_member), f"{step.status!r} is not a {kind.status_member}")
        if kind.secondary_member is None:
            require(step.secondary is None, f"step {step.status} has a secondary status, the kind none")
        else:
            require(step.secondary in values(kind.secondary_member), f"{step.secondary!r} is not a secondary status")
        require(step.duration is None or step.duration in phase_names, f"durations has no {step.duration!r}")
    require(kind.run[-1].duration is None and kind.stop[-1].duration is None, "run and stop must end in a status")
    require(kind.fails_during in {step.duration for step in kind.run}, f"no run step lasts {kind.fails_during!r}")
    require(kind.started_at in {step.secondary or step.status for step in kind.run}, "started_at is no run step")
    require(
        kind.run[0].status == IN_PROGRESS and kind.stop[-1].status == STOPPED, "a job runs InProgress, stops Stopped"
    )
    _summary_members(kind)
