"""The provider core: check, diff, create, read, update and delete once, for every resource.

Each resource module subclasses `SageMakerProvider` and declares its variation as data: its
inputs model, the operation its request goes to, which inputs replace and which update in place,
and its `Lifecycle` (operations, key, statuses, error answers). From that the core implements
describe, create-or-adopt, the waits and their errors, read (with live tags), update (waiting out
a change in flight, then tags) and delete (waiting out a change in flight, then waiting until
gone). Providers keep only what is really theirs, as small hooks: `outputs`, `apply` (their
in-place changes), `keep` (records kept on delete), and rules beyond the service model.

Engine facts this encodes (DESIGN.md section 6): Check gets the old *inputs*, Diff and Update
get the old *outputs*, so outputs carry every input; preview sends unknowns, which check and diff
accept; numbers arrive as floats and are normalized by the inputs model and the service model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pydantic import BaseModel, ConfigDict, ValidationError

from .api_model import xform_name
from .aws import AwsClients
from .errors import SageMakerOperationError, calling, plain_errors
from .host import widen_serving_pool
from .lifecycle import Lifecycle, matches
from .service_model import Violation, shape_named, validate, validate_request
from .tags import live_tags, sync_tags, tag_list
from .unknowns import contains_unknown, is_unknown
from .waiter import Waiter, WaitFailed, WaitSpec, WaitTimedOut, field_at

PROVIDER_KEY = "__provider"


class StrictModel(BaseModel):
    """Base of every argument and config model: a typo is an error, not a silently dropped field."""

    # defer_build: validators are built on a model's first use, not by `import components` (most
    # programs use a few of our ~40 models). Subclasses inherit it: pydantic merges model_config.
    # pydantic >= 2.14 builds a deferred model under a lock: the provider host checks from 4 threads.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True, defer_build=True)


def model_violations(error: ValidationError, prefix: str = "") -> list[Violation]:
    """pydantic's errors as violations named by their input path (`compute.instance_count`)."""
    violations = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"] if not str(part).startswith("function-"))
        violations.append(Violation(f"{prefix}{path}" if path else prefix.rstrip(".") or "inputs", item["msg"]))
    return violations


_RESOURCE_REGION: ContextVar[str | None] = ContextVar("sagemaker_resource_region", default=None)
"""The region of the resource the current call is about (each provider-host call runs in its own thread)."""


REGION_KEY = "region"
"""The replace reason a Diff reports when the stack's region moved away from the resource's."""


def account_of(arn: Any) -> str | None:
    """The account field of an ARN, or None."""
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[4] or None if len(parts) > 5 and parts[0] == "arn" else None


def region_of(arn: Any) -> str | None:
    """The region field of an ARN (`arn:aws:sagemaker:us-west-2:...`), or None."""
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[3] or None if len(parts) > 5 and parts[0] == "arn" else None


class SageMakerProvider(ResourceProvider):
    """Base dynamic provider on boto3 for one SageMaker resource kind."""

    kind: ClassVar[str]
    """Resource kind in messages, e.g. "TrainingJob"."""
    inputs_model: ClassVar[type[StrictModel]]
    """The provider's argument model; every field has a default or comes from the component."""
    request_operation: ClassVar[str | None] = None
    """The SageMaker operation the `request` input goes to, validated against its input shape."""
    replace_on: ClassVar[tuple[str, ...]] = ()
    """Inputs (or request members, `request.Tags`) whose change needs a new resource."""
    update_on: ClassVar[tuple[str, ...]] = ()
    """Inputs (or request members) changed in place in AWS. A change of any other input only
    updates the Pulumi state: no AWS call. The most specific entry decides (`rule_for`)."""
    request_set_by_provider: ClassVar[dict[str, Any]] = {}
    """Request members the provider fills in itself (a name, the tags), with a valid stand-in
    for validation; a user may not set them in `request`."""
    inputs_as_members: ClassVar[dict[str, str]] = {}
    """Inputs kept apart from `request` (so they can update in place) that are still request
    members: input name -> API member, e.g. "approval_status" -> "ModelApprovalStatus". They are
    validated as members, and violations are named after the input."""
    shaped_inputs: ClassVar[dict[str, str]] = {}
    """Inputs that are one API shape (input name -> shape name, e.g. "deployment_config" ->
    "DeploymentConfig"): validated and number-normalized like the request."""
    lifecycle: ClassVar[Lifecycle]
    """Operations, key, statuses and error answers: what the core's calls and waits come from."""
    predicted: ClassVar[tuple[str, ...]] = ()
    """Outputs that `computed` predicts from the inputs, never diffed. The engine hands a program
    the checked inputs as the outputs of a dynamic resource it previews (the Python provider host
    has no provider-side preview): what is predicted here stays known downstream, instead of
    turning every consumer's input unknown (and its replace-on inputs into a replace)."""
    arn_output: ClassVar[str] = "arn"
    """The output holding the resource's ARN: its region is where every call after create goes."""
    has_tags: ClassVar[bool] = True
    """Whether `read` reports the resource's live tags (a package version in a group has none)."""
    timeout_hint: ClassVar[str | None] = None
    """What to do when a wait for ready runs out of time (the resource itself goes on)."""
    delete_failed_creates: ClassVar[bool] = True
    """A resource whose create failed is deleted before the error is raised (nothing orphaned)."""

    def __init__(self) -> None:
        super().__init__()
        self.aws = AwsClients()

    def configure(self, req: ConfigureRequest) -> None:
        widen_serving_pool()  # in Pulumi's host: every resource of the stack may wait at once
        region = req.config.get("aws:region")
        if region:
            self.aws.region = region

    @property
    def sagemaker(self) -> Any:
        """SageMaker where the resource at hand lives (`where_it_lives`), else where new ones go."""
        return self.aws.client("sagemaker", _RESOURCE_REGION.get())

    @contextmanager
    def where_it_lives(self, state: dict[str, Any]) -> Iterator[None]:
        """Send this call's SageMaker requests to the region in the resource's ARN, whatever the
        stack config or the environment now say: refresh, update and destroy reach the resource."""
        arn = state.get(self.arn_output)
        owner, mine = account_of(arn), None
        if owner:
            with calling(self.kind, str(arn), "GetCallerIdentity"):
                mine = self.aws.account()
        if owner and owner != mine:
            raise SageMakerOperationError(
                self.kind,
                str(arn),
                "reach",
                f"it lives in account {owner}, but these credentials are for account {mine}",
                hint=f"Run with credentials for account {owner} (AWS_PROFILE); nothing was changed or dropped.",
            )
        token = _RESOURCE_REGION.set(region_of(arn))
        try:
            yield
        finally:
            _RESOURCE_REGION.reset(token)

    def waiter(self) -> Waiter:
        return Waiter()

    # --- hooks ------------------------------------------------------------------------------

    def rules(self, inputs: dict[str, Any]) -> list[Violation]:
        """Business rules beyond the service model (may see unknown values: skip those)."""
        return []

    def computed(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Inputs derived at check time from fully known inputs (e.g. a content-addressed name)."""
        return {}

    # --- check ------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        normalized, violations = self.normalize(news)
        violations += self._rules_on(normalized, after=violations)
        if not violations and not contains_unknown(normalized):
            normalized.update(self.computed(normalized))
        return CheckResult(normalized, [CheckFailure(v.path, v.reason) for v in violations])

    def _rules_on(self, inputs: dict[str, Any], after: list[Violation]) -> list[Violation]:
        """The resource's rules, also when the service model already found something, so that
        one `up` reports every mistake; a rule that cannot read inputs the model refused (a
        string where a mapping belongs) is left for the next check, once those are fixed."""
        try:
            found = self.rules(inputs)
        except (AttributeError, KeyError, TypeError, ValueError):
            if not after:
                raise
            return []
        seen = {(v.path, v.reason) for v in after}
        return [v for v in found if (v.path, v.reason) not in seen]

    def normalize(self, props: dict[str, Any]) -> tuple[dict[str, Any], list[Violation]]:
        """Inputs through the inputs model and the service model: defaults filled in, numbers
        back to ints where the API wants ints (every number crosses the wire as a float, also
        between check and create), and the violations found on the way."""
        fields = self.inputs_model.model_fields
        # Output-only properties are declared as None inputs on the dynamic resource: not inputs.
        inputs = {
            key: value for key, value in props.items() if key != PROVIDER_KEY and (key in fields or value is not None)
        }
        known = {key: value for key, value in inputs.items() if not is_unknown(value)}
        violations: list[Violation] = []
        try:
            normalized = self.inputs_model.model_validate(known).model_dump()
        except ValidationError as error:
            violations += model_violations(error)
            normalized = dict(known)
        normalized.update({key: value for key, value in inputs.items() if is_unknown(value)})
        for field, shape in self.shaped_inputs.items():
            if isinstance(normalized.get(field), dict):
                normalized[field], found = validate(normalized[field], shape_named(shape), field)
                violations += found
        request = normalized.get("request")
        if self.request_operation and isinstance(request, dict):
            violations += [
                Violation(f"request.{key}", "is set by the provider; remove it from the request")
                for key in self.request_set_by_provider
                if key in request
            ]
            violations += [
                Violation(f"request.{member}", f"is set by the input {field!r}; remove it from the request")
                for field, member in self.inputs_as_members.items()
                if member in request
            ]
            members = self._members(normalized)
            full, request_violations = validate_request(
                self.request_operation, {**request, **members, **self.request_set_by_provider}
            )
            for field, member in self.inputs_as_members.items():
                if member in members:
                    normalized[field] = full.pop(member, normalized[field])
            normalized["request"] = {
                key: value for key, value in full.items() if key not in self.request_set_by_provider
            }
            violations += [self._named(v) for v in request_violations]
        return normalized, violations

    def _members(self, inputs: dict[str, Any]) -> dict[str, Any]:
        return {
            member: inputs[field]
            for field, member in self.inputs_as_members.items()
            if inputs.get(field) not in (None, {}, [])
        }

    def _named(self, violation: Violation) -> Violation:
        """A request violation named after the input it came from."""
        for field, member in self.inputs_as_members.items():
            if violation.path == member or violation.path.startswith((f"{member}.", f"{member}[")):
                return Violation(field + violation.path[len(member) :], violation.reason)
        return Violation(f"request.{violation.path}", violation.reason)

    def full_request(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """The request to send: `request` plus the inputs that are request members."""
        return {**(inputs.get("request") or {}), **self._members(inputs)}

    # --- diff -------------------------------------------------------------------------------

    def changed_paths(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        """Inputs that differ, named down to the request member (`request.EndpointName`) for
        inputs that are API requests, so `replace_on` / `update_on` may name single members."""
        fields = set(self.inputs_model.model_fields) - set(self.predicted)
        paths = []
        for key in sorted(fields):
            old, new = olds.get(key), news.get(key)
            if not (is_unknown(new) or _differs(old, new)):
                continue
            if key == "request" and isinstance(old, dict) and isinstance(new, dict) and not is_unknown(new):
                paths += [
                    f"{key}.{member}"
                    for member in sorted(set(old) | set(new))
                    if is_unknown(new.get(member)) or _differs(old.get(member), new.get(member))
                ]
            else:
                paths.append(key)
        return paths

    def rule_for(self, path: str) -> str:
        """ "replace", "update" (in place in AWS) or "state" (only Pulumi's state changes) for a
        changed input path: the most specific entry of `replace_on` / `update_on` decides."""
        entries = [(entry, "replace") for entry in self.replace_on] + [(entry, "update") for entry in self.update_on]
        covering = [(len(entry), rule) for entry, rule in entries if path == entry or path.startswith(f"{entry}.")]
        return max(covering)[1] if covering else "state"

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = self.changed_paths(olds, news)
        replaces = sorted({path.split(".")[0] for path in changed if self.rule_for(path) == "replace"})
        if self.moved_region(olds):
            replaces.append(REGION_KEY)
        return DiffResult(changes=bool(changed or replaces), replaces=replaces, delete_before_replace=False)

    def moved_region(self, state: dict[str, Any]) -> str | None:
        """'<old> -> <new>' when the resource lives in another region than new resources now go to:
        a change of region is a new resource there (the old one is deleted where it lives)."""
        lives = region_of(state.get(self.arn_output))
        target = self.aws.target_region() if lives else None
        return f"{lives} -> {target}" if lives and target and lives != target else None

    # --- the lifecycle, once ---------------------------------------------------------------

    def live(self, name: str) -> dict[str, Any] | None:
        """The resource as SageMaker describes it now, or None when it does not exist."""
        operation = self.lifecycle.describe
        try:
            with calling(self.kind, name, operation):
                response = getattr(self.sagemaker, xform_name(operation))(**{self.lifecycle.key: name})
        except SageMakerOperationError as error:
            if matches(self.lifecycle.not_found, error.code, str(error)):
                return None
            raise
        response.pop("ResponseMetadata", None)
        return response

    def status_of(self, described: dict[str, Any]) -> str:
        return str(field_at(described, self.lifecycle.status))

    def settle(self, name: str, spec: WaitSpec, timeout: float) -> dict[str, Any] | None:
        """Wait (with the core's waiter) until `live(name)` meets `spec`; the waiter's errors pass through."""
        if spec.operation != self.lifecycle.describe:
            raise ValueError(
                f"{self.kind}: a wait on {spec.operation}, but it is described by {self.lifecycle.describe}"
            )
        return self.waiter().wait(lambda: self.live(name), spec, timeout, f"{self.kind} {name}")

    def wait_ready(
        self, name: str, timeout: float, operation: str, *, clean_up: bool = False, ended: str = "it ended {status}"
    ) -> dict[str, Any]:
        """Wait until the resource is ready (its lifecycle's `until_ready`); see `wait_until`."""
        ready = self.wait_until(name, self.lifecycle.until_ready, timeout, operation, clean_up=clean_up, ended=ended)
        assert ready is not None  # until_ready does not accept "gone"
        return ready

    def wait_until(
        self,
        name: str,
        spec: WaitSpec,
        timeout: float,
        operation: str,
        *,
        clean_up: bool = False,
        ended: str = "it ended {status}",
        reason_at: str | None = None,
    ) -> dict[str, Any] | None:
        """Wait for `spec`; a failed or timed-out wait becomes our one error, with SageMaker's
        reason (at `reason_at`, else the lifecycle's field). With `clean_up`, a resource that
        failed is deleted first (nothing orphaned)."""
        try:
            return self.settle(name, spec, timeout)
        except WaitFailed as failed:
            message = ended.format(status=field_at(failed.state, spec.status_field))
            if clean_up:
                self.delete_resource(name, {})
                message += " and was deleted"
            error = self.failure(name, operation, message, failed.state)
            if reason_at:
                error = SageMakerOperationError(
                    self.kind, name, operation, message, failure_reason=field_at(failed.state, reason_at)
                )
            raise error from None
        except WaitTimedOut as timed_out:
            state = timed_out.state or {}
            doing = field_at(state, spec.phase_field) if spec.phase_field else None
            raise SageMakerOperationError(
                self.kind,
                name,
                f"wait for {'/'.join(sorted(spec.success))}",
                f"still {doing or field_at(state, spec.status_field)} after {timed_out.waited:.0f} s",
                hint=self.timeout_hint,
            ) from None

    def failure(self, name: str, operation: str, message: str, state: dict[str, Any]) -> SageMakerOperationError:
        """The error for a resource that reached a failed status: SageMaker's reason attached."""
        reason = field_at(state, self.lifecycle.failure_reason)
        return SageMakerOperationError(self.kind, name, operation, message, failure_reason=reason)

    def create_or_adopt(self, name: str, request: dict[str, Any]) -> dict[str, Any] | None:
        """Create the resource unless it exists; returns what was found (None: created now).
        A create whose first response was lost, and whose retry finds the name taken, adopts."""
        found = self.live(name)
        if found is not None:
            return found
        assert self.lifecycle.create is not None
        try:
            with calling(self.kind, name, self.lifecycle.create):
                getattr(self.sagemaker, xform_name(self.lifecycle.create))(**request)
        except SageMakerOperationError as error:
            if not matches(self.lifecycle.already_exists, error.code, str(error)):
                raise
        return None

    def create_request(self, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """The create request: the validated request members, the name, the tags."""
        tags = {"Tags": tag_list(inputs.get("tags") or {})} if self.has_tags else {}
        return {**self.full_request(inputs), self.lifecycle.key: name, **tags}

    def change(
        self,
        name: str,
        operation: str,
        call: Callable[[], object],
        *,
        applied: Callable[[dict[str, Any]], bool],
        settle: Callable[[], dict[str, Any]],
    ) -> bool:
        """Make one mutating call, which the caller found missing on the live resource, so that a
        lost response or a busy resource still converges; returns whether the call was answered
        (False: it failed, and the change was found live after the resource settled).

        When the call fails, wait for the resource to settle and look: if our change is live (a
        response lost after the change took effect, and botocore's retry refused as busy or as a
        duplicate), that is success. If the resource was busy with another change, ours is sent
        once more on the settled resource. Any other failure is raised.
        """
        try:
            with calling(self.kind, name, operation):
                call()
        except SageMakerOperationError as error:
            if applied(settle()):  # whatever the error said, the change is live
                return False
            if not matches(self.lifecycle.busy, error.code, str(error)):
                raise
            with calling(self.kind, name, operation):
                call()
        return True

    def gone(self, name: str, operation: str) -> SageMakerOperationError:
        """The error for a resource the state holds but SageMaker no longer has (deleted outside
        Pulumi): the same message for every kind, saying what to run."""
        return SageMakerOperationError(
            self.kind,
            name,
            operation,
            "it no longer exists in SageMaker (deleted outside Pulumi?)",
            hint="Run `pulumi refresh` to drop it from the state; the next `pulumi up` creates it again.",
        )

    # --- the engine's calls -----------------------------------------------------------------

    @plain_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.normalize(props)[0]
        id_, outputs = self.create_resource(inputs)
        return CreateResult(id_, {**inputs, **outputs})

    @plain_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        state = {key: value for key, value in props.items() if key != PROVIDER_KEY}
        with self.where_it_lives(state):
            live = self.live(id_)
            if live is None:
                return ReadResult("", {})
            outputs = {**state, **self.outputs(live)}
            arn = outputs.get(self.arn_output)
            if arn and self.has_tags:
                outputs["tags"] = live_tags(self.sagemaker, self.kind, id_, arn)
        return ReadResult(id_, outputs)

    @plain_errors
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        previous = {key: value for key, value in olds.items() if key != PROVIDER_KEY}
        inputs = self.normalize(news)[0]
        if all(self.rule_for(path) == "state" for path in self.changed_paths(previous, inputs)):
            return UpdateResult({**previous, **inputs})  # nothing to change in AWS
        with self.where_it_lives(previous):
            live = self.live(id_)
            if live is None:
                raise self.gone(id_, "update")
            live = self.apply(id_, previous, inputs, live) or self.live(id_)
            if live is None:
                raise self.gone(id_, "update")
            if self.has_tags:
                old, new = previous.get("tags") or {}, inputs.get("tags") or {}
                arn = self.outputs(live)[self.arn_output]
                sync_tags(self.sagemaker, self.kind, id_, arn, old=old, new=new)
            outputs = self.outputs(live)
        return UpdateResult({**previous, **inputs, **outputs})

    @plain_errors
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        state = {key: value for key, value in props.items() if key != PROVIDER_KEY}
        with self.where_it_lives(state):
            self.delete_resource(id_, state)

    # --- what a resource may change ---------------------------------------------------------

    def outputs(self, described: dict[str, Any]) -> dict[str, Any]:
        """The resource's outputs from its describe response."""
        raise NotImplementedError

    def create_resource(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Create (or adopt) the resource named by its key input, wait until it is ready (a failed
        one deleted when `delete_failed_creates`), and return its id and outputs."""
        name = inputs[xform_name(self.lifecycle.key)]
        self.create_or_adopt(name, self.create_request(name, inputs))
        timeout = float(inputs["create_timeout_seconds"])
        ready = self.wait_ready(name, timeout, self.lifecycle.create or "create", clean_up=self.delete_failed_creates)
        return name, self.outputs(ready)

    def apply(
        self, id_: str, olds: dict[str, Any], news: dict[str, Any], live: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The resource's own in-place changes (tags are the core's); returns the resource as
        described after them, or None to have it described again."""
        return live

    def keep(self, described: dict[str, Any], state: dict[str, Any]) -> bool:
        """Whether delete keeps this resource's record (lineage) instead of deleting it."""
        return False

    def before_delete(self, id_: str, described: dict[str, Any]) -> dict[str, Any] | None:
        """Bring a resource whose change is in flight to rest (SageMaker refuses to delete it
        then): by default wait it out; a job is stopped first."""
        return self.settle(id_, self.lifecycle.until_settled, 3600)

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        """Delete the resource and wait until it is gone (kept records and deletes under way
        are respected)."""
        found = self.live(id_)
        if found is not None and self.status_of(found) in self.lifecycle.changing:
            found = self.before_delete(id_, found)
        if found is None or self.keep(found, state) or self.lifecycle.delete is None:
            return
        if self.status_of(found) not in self.lifecycle.deleting:
            with calling(self.kind, id_, self.lifecycle.delete):
                getattr(self.sagemaker, xform_name(self.lifecycle.delete))(**{self.lifecycle.key: id_})
        try:
            self.settle(id_, self.lifecycle.until_gone, 3600)
        except WaitFailed as failed:
            message = f"it ended {self.status_of(failed.state)}"
            raise self.failure(id_, self.lifecycle.delete, message, failed.state) from None


def _differs(old: Any, new: Any) -> bool:
    """Compare state and inputs as the wire carries them (2 and 2.0 are the same)."""
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() != new.keys() or any(_differs(old[key], new[key]) for key in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) != len(new) or any(_differs(a, b) for a, b in zip(old, new, strict=True))
    return old != new
