"""The job family: SageMaker jobs that never run twice by accident.

Training, processing, transform and tuning jobs share one lifecycle, implemented here once; a
job kind declares its `Lifecycle`, its inputs model (a `JobInputs`), its outputs and its own
request rules.

- Name: a readable prefix plus a hash of the create request (and `retrain_token`), so the same
  request always has the same name. Create first looks the name up and *adopts* what it finds:
  a running job is waited for, a completed one returned; a failed or stopped one is an error
  that says why and how to run it again (change `retrain_token`). An `up` interrupted while
  waiting therefore never pays for a second job. Values given as secrets are left out of the
  hash (the name is plain in the state), and a change of them alone updates only the state.
- Diff: any change of the request, prefix or token replaces; tags change in place; waiting
  options change nothing in AWS.
- Wait: phase-aware (the kind's secondary status), bounded by the job's own limits.
- Delete (a deliberate choice): a running job is stopped and waited for. A job that did not
  complete is then deleted where the API can (freeing its name so the same request can run
  afresh). A *completed* job's record is kept: it is the lineage of what it produced, costs
  nothing, and re-deploying the same request adopts it instead of running again.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import DiffResult
from pydantic import Field

from .api_model import xform_name
from .errors import SageMakerOperationError, calling
from .naming import NAME_PATTERN, PREFIX_MAX, canonical_json, content_addressed_name
from .provider import SageMakerProvider, StrictModel
from .secrets import credential_violations
from .service_model import Violation
from .tags import tag_violations
from .unknowns import contains_unknown, is_unknown, known
from .waiter import field_at

WAIT_MARGIN_SECONDS = 3600
"""Added to the job's own limits for provisioning and upload when no timeout is given."""
SECRET_MARKER = "<secret>"


class JobInputs(StrictModel):
    """What every job provider takes: the create request and how to manage it."""

    name_prefix: str = "job"
    request: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    retrain_token: str = ""
    wait_for_completion: bool = True
    wait_timeout_seconds: int | None = Field(default=None, ge=1)
    secret_members: list[str] = Field(default_factory=list)
    """`Member.<key>` of values given as secrets (`Environment.TOKEN`): left out of the name, so
    that the name (plain in the state) cannot be used to guess them."""


def without_secrets(inputs: dict[str, Any]) -> dict[str, Any]:
    """The request with the values of `secret_members` replaced by a marker (their keys stay)."""
    request = dict(inputs["request"])
    for path in inputs.get("secret_members") or []:
        member, _, key = path.partition(".")
        if isinstance(request.get(member), dict) and key in request[member]:
            request[member] = {**request[member], key: SECRET_MARKER}
    return request


class JobProvider(SageMakerProvider):
    """Creates, adopts, waits for, refreshes, retags, stops and (unless completed) deletes jobs."""

    name_input: ClassVar[str]
    """The input and output holding the job's name (`training_job_name`)."""
    secret_maps: ClassVar[tuple[str, ...]] = ("Environment",)
    """Request members whose values may be secrets; credential-looking plain values are refused."""
    replace_on = ("name_prefix", "request", "retrain_token")
    update_on = ("tags",)
    delete_failed_creates = False  # a failed job is lineage too: kept, with its reason
    work: ClassVar[str] = "run"
    """What the job does, for messages ("training")."""
    timeout_hint = (
        "The job keeps running. Run `pulumi up` again to adopt it and keep waiting (its name is "
        "content-addressed), or raise wait_timeout_seconds."
    )

    def request_rules(self, request: dict[str, Any]) -> list[Violation]:
        """The kind's rules of its create request that the service model does not state."""
        return []

    def predict(self, inputs: dict[str, Any], name: str) -> dict[str, Any]:
        """Outputs the request determines (see `SageMakerProvider.predicted`)."""
        return {}

    def rules(self, inputs: dict[str, Any]) -> list[Violation]:
        request = inputs["request"]
        violations = self.request_rules(request) + tag_violations(inputs.get("tags") or {})
        for member in self.secret_maps:
            if known(request.get(member)):
                violations += credential_violations(request[member], f"request.{member}")
        prefix = inputs.get("name_prefix")
        if (
            isinstance(prefix, str)
            and not is_unknown(prefix)
            and not (len(prefix) <= PREFIX_MAX and NAME_PATTERN.fullmatch(prefix))
        ):
            violations.append(
                Violation(
                    "name_prefix",
                    f"{prefix!r}: at most {PREFIX_MAX} letters, digits and single hyphens, not starting or ending "
                    "with a hyphen",
                )
            )
        return violations

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """As the core's, but a change of secret values alone is an update of the state (the job
        keeps the values it ran with), not a new job."""
        result = super().diff(id_, olds, news)
        replaces = list(result.replaces or [])
        if (
            "request" in replaces
            and not contains_unknown(news.get("request"))
            and canonical_json(without_secrets(olds)) == canonical_json(without_secrets(news))
        ):
            replaces.remove("request")
        return DiffResult(changes=result.changes, replaces=replaces, delete_before_replace=False)

    def computed(self, inputs: dict[str, Any]) -> dict[str, Any]:
        content = {"request": without_secrets(inputs), "retrain_token": inputs["retrain_token"]}
        name = content_addressed_name(inputs["name_prefix"], content)
        return {self.name_input: name, **self.predict(inputs, name)}

    def timeout(self, inputs: dict[str, Any]) -> float:
        if inputs.get("wait_timeout_seconds"):
            return float(inputs["wait_timeout_seconds"])
        stopping = inputs["request"].get("StoppingCondition") or {}
        limit = stopping.get("MaxWaitTimeInSeconds") or stopping.get("MaxRuntimeInSeconds") or 86400
        return float(limit) + float(stopping.get("MaxPendingTimeInSeconds") or 0) + WAIT_MARGIN_SECONDS

    def create_resource(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name = inputs.get(self.name_input) or self.computed(inputs)[self.name_input]
        found = self.create_or_adopt(name, self.create_request(name, inputs))
        if found is None:
            pulumi.log.info(f"{self.kind} {name}: created")
        else:
            status = self.status_of(found)
            pulumi.log.info(f"{self.kind} {name}: adopting the existing job ({status})")
            if status in self.lifecycle.failed or status == "Stopping":
                raise self.ended_badly(name, found)
        if not inputs.get("wait_for_completion", True):
            job = self.live(name)
            assert job is not None
            return name, self.outputs(job)
        return name, self.outputs(self.wait_ready(name, self.timeout(inputs), self.work))

    def failure(self, name: str, operation: str, message: str, state: dict[str, Any]) -> SageMakerOperationError:
        return self.ended_badly(name, state)

    def ended_badly(self, name: str, job: dict[str, Any]) -> SageMakerOperationError:
        transitions = " -> ".join(
            f"{t['Status']}" + (f" ({t['StatusMessage']})" if t.get("StatusMessage") else "")
            for t in job.get("SecondaryStatusTransitions", [])[-4:]
        )
        return SageMakerOperationError(
            self.kind,
            name,
            self.work,
            f"the job ended {self.status_of(job)}" + (f"; last transitions: {transitions}" if transitions else ""),
            failure_reason=field_at(job, self.lifecycle.failure_reason),
            hint="The same request will not be re-run by itself. Fix the cause, or set a new retrain_token "
            "to run it again with the same inputs.",
        )

    def keep(self, described: dict[str, Any], state: dict[str, Any]) -> bool:
        return self.status_of(described) in self.lifecycle.ready  # the lineage of what it produced

    def before_delete(self, id_: str, described: dict[str, Any]) -> dict[str, Any] | None:
        if self.lifecycle.stop and self.status_of(described) not in ("Stopping",):
            with calling(self.kind, id_, self.lifecycle.stop):
                getattr(self.sagemaker, xform_name(self.lifecycle.stop))(**{self.lifecycle.key: id_})
        return super().before_delete(id_, described)
