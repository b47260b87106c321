"""Control-plane state of the local AWS: its clock, status durations, injected faults, call counts,
the SageMaker requests it received and what each endpoint's model answers (responders).

Everything here is changed over HTTP by the control interface (`/_sagestack/...`, see
`sagestack.local.server`) and read by the SageMaker layer while it answers requests.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveInt


class Clock:
    """Wall-clock time that tests can freeze and move by hand ("virtual time").

    Real mode: `now()` is `time.time()` plus any offset a test jumped ahead by.
    Frozen mode: `now()` stands still until `advance()` moves it, so a test or benchmark can
    walk a 6-hour training job through its phases in milliseconds.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None

    def now(self) -> float:
        with self._lock:
            return self._frozen_at if self._frozen_at is not None else time.time() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self, at: float | None = None) -> None:
        current = self.now()
        with self._lock:
            self._frozen_at = current if at is None else at

    def unfreeze(self) -> None:
        """Let time run again from where it stands now."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
                self._frozen_at = None

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class TrainingJobDurations(_Strict):
    """Seconds a training job spends in each SecondaryStatus before moving on."""

    starting: NonNegativeFloat = 0.5
    downloading: NonNegativeFloat = 0.5
    training: NonNegativeFloat = 1.0
    uploading: NonNegativeFloat = 0.5
    stopping: NonNegativeFloat = 0.5


class ProcessingJobDurations(_Strict):
    """Seconds a processing job spends InProgress (it has no secondary status) and Stopping."""

    processing: NonNegativeFloat = 1.0
    stopping: NonNegativeFloat = 0.5


class EndpointDurations(_Strict):
    """Seconds an endpoint spends Creating, Updating, RollingBack and Deleting."""

    creating: NonNegativeFloat = 1.0
    updating: NonNegativeFloat = 1.0
    rolling_back: NonNegativeFloat = 0.5
    deleting: NonNegativeFloat = 0.5


class FeatureGroupDurations(_Strict):
    """Seconds a feature group spends Creating, updating (LastUpdateStatus InProgress) and Deleting."""

    creating: NonNegativeFloat = 1.0
    updating: NonNegativeFloat = 0.5
    deleting: NonNegativeFloat = 0.5


class ModelPackageDurations(_Strict):
    """Seconds a model package spends Pending, InProgress and Deleting."""

    pending: NonNegativeFloat = 0.2
    in_progress: NonNegativeFloat = 0.5
    deleting: NonNegativeFloat = 0.2


class Durations(_Strict):
    """How long each status of each resource kind lasts in the local AWS (short by default)."""

    training_job: TrainingJobDurations = Field(default_factory=TrainingJobDurations)
    processing_job: ProcessingJobDurations = Field(default_factory=ProcessingJobDurations)
    endpoint: EndpointDurations = Field(default_factory=EndpointDurations)
    feature_group: FeatureGroupDurations = Field(default_factory=FeatureGroupDurations)
    model_package: ModelPackageDurations = Field(default_factory=ModelPackageDurations)

    def merged(self, patch: dict[str, Any]) -> Durations:
        """A copy with `patch` ({kind: {phase: seconds}}) applied; unknown names are errors."""
        data = self.model_dump()
        for kind, phases in patch.items():
            if not isinstance(phases, dict):
                raise ValueError(f"durations.{kind}: expected a mapping of phase to seconds")
            data.setdefault(kind, {}).update(phases)
        return Durations.model_validate(data)

    @classmethod
    def phases(cls) -> str:
        """Every KIND.PHASE a duration can be set for, for messages."""
        return ", ".join(
            f"{kind}.{phase}"
            for kind, field in cls.model_fields.items()
            for phase in getattr(field.annotation, "model_fields", {})
        )

    @classmethod
    def parse_assignments(cls, assignments: list[str], base: Durations | None = None) -> Durations:
        """Apply CLI assignments such as `training_job.training=30`."""
        patch: dict[str, dict[str, float]] = {}
        for assignment in assignments:
            key, sep, value = assignment.partition("=")
            kind, dot, phase = key.partition(".")
            if not sep or not dot:
                raise ValueError(f"--duration {assignment!r}: expected KIND.PHASE=SECONDS")
            try:
                patch.setdefault(kind, {})[phase] = float(value)
            except ValueError:
                raise ValueError(f"--duration {assignment!r}: {value!r} is not a number of seconds") from None
        return (base or cls()).merged(patch)


ResourceKind = Literal["training_job", "processing_job", "endpoint", "feature_group", "model_package"]


class ErrorFault(_Strict):
    """Answer the next `count` calls of `operation` with an error (instead of serving them, by default)."""

    operation: str = Field(description="service:Operation, e.g. sagemaker:DescribeTrainingJob")
    count: PositiveInt = 1
    code: str = "ThrottlingException"
    status: int = Field(default=400, ge=400, le=599)
    message: str = "Rate exceeded"
    after_serving: bool = Field(
        default=False,
        description="serve the call first, then answer with the error: the call took effect but its response "
        "was lost, as when a connection drops after AWS acted",
    )


class FailureFault(_Strict):
    """Make the creation of a resource end in its failed status with `reason`.

    `name` picks one resource by name; without it the next resource of `kind` created fails.
    """

    kind: ResourceKind
    name: str | None = None
    reason: str


class RollbackFault(_Strict):
    """Make the next update of an endpoint (or of the named one) roll back with `reason`."""

    endpoint: str | None = None
    reason: str = "Deployment guardrail alarm fired; rolled back to the previous endpoint config."


@dataclass
class Faults:
    """Armed faults. Each is consumed by the call or resource it fires on."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    errors: dict[str, deque[ErrorFault]] = field(default_factory=dict)
    failures: list[FailureFault] = field(default_factory=list)
    rollbacks: list[RollbackFault] = field(default_factory=list)

    def arm_error(self, fault: ErrorFault) -> None:
        with self._lock:
            self.errors.setdefault(fault.operation, deque()).extend([fault] * fault.count)

    def take_error(self, operation: str) -> ErrorFault | None:
        with self._lock:
            queue = self.errors.get(operation)
            return queue.popleft() if queue else None

    def arm_failure(self, fault: FailureFault) -> None:
        with self._lock:
            self.failures.append(fault)

    def take_failure(self, kind: str, name: str) -> str | None:
        """The failure reason armed for this resource (by name first, else the next of its kind)."""
        with self._lock:
            for match_name in (True, False):
                for fault in self.failures:
                    named = fault.name is not None and fault.name.lower() == name.lower()
                    if fault.kind == kind and (named if match_name else fault.name is None):
                        self.failures.remove(fault)
                        return fault.reason
        return None

    def arm_rollback(self, fault: RollbackFault) -> None:
        with self._lock:
            self.rollbacks.append(fault)

    def take_rollback(self, endpoint: str) -> str | None:
        with self._lock:
            for fault in self.rollbacks:
                if fault.endpoint is None or fault.endpoint.lower() == endpoint.lower():
                    self.rollbacks.remove(fault)
                    return fault.reason
        return None

    def clear(self) -> None:
        with self._lock:
            self.errors.clear()
            self.failures.clear()
            self.rollbacks.clear()


class CallCounter:
    """Counts every API call the local AWS receives, as `service:Operation`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def count(self, operation: str) -> None:
        with self._lock:
            self._counts[operation] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


REQUEST_LOG_SIZE = 500
"""Requests the log keeps: enough for any one test, bounded for a server that runs for days."""


class RecordedRequest(TypedDict):
    """One SageMaker request as the local AWS received it: the body exactly as sent (JSON ints
    stay ints, floats stay floats), so a test can compare it key for key with what it meant."""

    operation: str
    """`sagemaker:CreateTrainingJob` or `sagemaker-runtime:InvokeEndpoint`, as the call counter
    and the faults name it."""
    body: Any
    """The JSON body, parsed (the raw text if it was not JSON); for a runtime request its input
    members from path, query, headers and body, the payload as text (base64 if not UTF-8)."""
    account: str
    region: str


class RequestLog:
    """The last `REQUEST_LOG_SIZE` SageMaker requests the local AWS received, oldest first."""

    def __init__(self, size: int = REQUEST_LOG_SIZE) -> None:
        self._lock = threading.Lock()
        self._requests: deque[RecordedRequest] = deque(maxlen=size)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def snapshot(self, operation: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [request for request in self._requests if operation in (None, request["operation"])]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()


@dataclass(frozen=True)
class Invocation:
    """One InvokeEndpoint (or InvokeEndpointAsync) request, as the endpoint's model receives it."""

    endpoint: str
    variant: str
    body: bytes
    content_type: str | None = None
    accept: str | None = None
    custom_attributes: str | None = None
    target_model: str | None = None
    inference_id: str | None = None


@dataclass(frozen=True)
class Reply:
    """What a model answers: the response body, its content type and custom attributes."""

    body: bytes
    content_type: str = "application/octet-stream"
    custom_attributes: str | None = None


class ModelFailure(Exception):
    """Raised by a responder for a model that answers an error: InvokeEndpoint then answers
    SageMaker's ModelError (424) carrying `status` and `message` as the container's own."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


Responder = Callable[[Invocation], "Reply | bytes | str"]
"""A model registered in-process by a test: any callable from an Invocation to a Reply (or a body)."""


class ResponderConfig(_Strict):
    """What an endpoint's model answers, set through the control interface (`POST responders`).

    `echo` (the default for every endpoint) answers the request body with its content type;
    `fixed` answers `body`; `model_error` makes the model fail with `status` and `body` as its
    message (InvokeEndpoint answers ModelError).
    """

    endpoint: str
    mode: Literal["echo", "fixed", "model_error"] = "echo"
    body: str = ""
    content_type: str = "application/json"
    status: int = Field(default=500, ge=400, le=599)

    def __call__(self, invocation: Invocation) -> Reply:
        if self.mode == "model_error":
            raise ModelFailure(self.status, self.body)
        if self.mode == "fixed":
            return Reply(self.body.encode(), self.content_type)
        return echo(invocation)


def echo(invocation: Invocation) -> Reply:
    return Reply(invocation.body, invocation.content_type or "application/octet-stream")


class Responders:
    """Each endpoint's model (by endpoint name, case-insensitive as SageMaker's names are)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._responders: dict[str, ResponderConfig | Responder] = {}

    def set(self, endpoint: str, responder: ResponderConfig | Responder) -> None:
        with self._lock:
            self._responders[endpoint.lower()] = responder

    def answer(self, invocation: Invocation) -> Reply:
        """The model's reply; raises ModelFailure for a model error."""
        with self._lock:
            responder = self._responders.get(invocation.endpoint.lower(), echo)
        reply = responder(invocation)  # outside the lock: a test's model may take its time
        if isinstance(reply, Reply):
            return reply
        body = reply.encode() if isinstance(reply, str) else bytes(reply)
        return Reply(body, invocation.accept or invocation.content_type or "application/octet-stream")

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                name: r.model_dump() if isinstance(r, ResponderConfig) else {"endpoint": name, "mode": "callable"}
                for name, r in self._responders.items()
            }

    def clear(self) -> None:
        with self._lock:
            self._responders.clear()


@dataclass
class ControlState:
    """Everything the control interface can see and change, in one place."""

    clock: Clock = field(default_factory=Clock)
    durations: Durations = field(default_factory=Durations)
    default_durations: Durations = field(default_factory=Durations)
    faults: Faults = field(default_factory=Faults)
    calls: CallCounter = field(default_factory=CallCounter)
    requests: RequestLog = field(default_factory=RequestLog)
    responders: Responders = field(default_factory=Responders)

    def reset(self) -> None:
        self.clock.reset()
        self.durations = self.default_durations
        self.faults.clear()
        self.calls.clear()
        self.requests.clear()
        self.responders.clear()
