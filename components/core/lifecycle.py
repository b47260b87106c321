"""How SageMaker names, describes, creates and deletes one resource kind, as data.

A provider declares one `Lifecycle` record (like a botocore waiter file, or one of ACK's
per-resource generator configs); the core derives every wait from it and implements describe,
create-or-adopt, wait-with-errors, read, delete and tags once (`components.core.provider`).
Every status of the describe output's enum is classified exactly once, and the record is linted
against botocore's service model (`lifecycle_violations`): a misspelt or forgotten status fails
a test instead of leaving a wait that never ends.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, cast

from .service_model import sagemaker_model
from .waiter import WaitSpec

ErrorMatch = tuple[str, str]
"""(error code, message fragment) that identifies one answer of SageMaker's; "" matches any."""


@dataclass(frozen=True)
class Lifecycle:
    """One resource kind's operations, identifiers and statuses.

    `ready`, `failed`, `changing`, `deleting` and `delete_failed` partition the status enum:
    `changing` statuses end by themselves (delete and update wait them out), `failed` ones are
    final and keep the resource (only delete is possible), `ready` ends a create's wait.
    """

    describe: str
    key: str
    """The describe request member naming the resource (also the delete request's)."""
    status: str
    """The status field of the describe output (a dotted path for nested fields)."""
    ready: frozenset[str]
    failed: frozenset[str] = frozenset()
    changing: frozenset[str] = frozenset()
    deleting: frozenset[str] = frozenset({"Deleting"})
    delete_failed: frozenset[str] = frozenset()
    phase: str | None = None
    """A secondary status field whose values say what the resource is doing (SecondaryStatus)."""
    ends_soon: frozenset[str] = frozenset()
    """Statuses or phases that usually last seconds: the waiter polls at its floor in them."""
    failure_reason: str = "FailureReason"
    create: str | None = None
    delete: str | None = None
    """The delete operation; None where SageMaker has none (the record is kept)."""
    stop: str | None = None
    """A job's stop operation: delete stops a running job first."""
    not_found: ErrorMatch = ("ResourceNotFound", "")
    already_exists: ErrorMatch = ("ResourceInUse", "")
    """How create says the name is taken: a retried create whose first response was lost."""
    busy: ErrorMatch = ("ResourceInUse", "")
    """How a change call says another change is under way."""

    @property
    def until_ready(self) -> WaitSpec:
        """A create (or update) has finished well, or failed."""
        return WaitSpec(
            operation=self.describe,
            status_field=self.status,
            success=self.ready,
            failure=self.failed,
            phase_field=self.phase,
            ends_soon=self.ends_soon,
        )

    @property
    def until_settled(self) -> WaitSpec:
        """No change in flight: anything but `changing` (or gone)."""
        return WaitSpec(
            operation=self.describe,
            status_field=self.status,
            success=self.ready | self.failed | self.deleting | self.delete_failed,
            phase_field=self.phase,
            ends_soon=self.ends_soon,
            gone_is_success=True,
        )

    @property
    def until_gone(self) -> WaitSpec:
        return WaitSpec(
            operation=self.describe,
            status_field=self.status,
            success=frozenset(),
            failure=self.delete_failed,
            gone_is_success=True,
        )

    def statuses(self) -> dict[str, frozenset[str]]:
        """The status classes by name (for the lint and for messages)."""
        names = ("ready", "failed", "changing", "deleting", "delete_failed")
        return {name: cast(frozenset[str], getattr(self, name)) for name in names}


def matches(match: ErrorMatch, code: str | None, message: str) -> bool:
    """Whether an error (code, text) is the answer `match` describes."""
    return code == match[0] and match[1] in message


def lifecycle_violations(lifecycle: Lifecycle) -> list[str]:
    """What in `lifecycle` botocore's SageMaker model contradicts: operations that do not exist,
    a key the describe does not take, status fields without an enum, statuses misspelt or left
    unclassified, ends-soon values that are neither statuses nor phases."""
    model = sagemaker_model()
    operations = set(cast(list[str], model.operation_names))
    named = {field.name: getattr(lifecycle, field.name) for field in fields(lifecycle)}
    found = [
        f"{field}: no operation {named[field]}"
        for field in ("describe", "create", "delete", "stop")
        if named[field] and named[field] not in operations
    ]
    if lifecycle.describe not in operations:
        return found
    describe = model.operation_model(lifecycle.describe)
    if lifecycle.key not in cast(list[str], getattr(describe.input_shape, "required_members", [])):
        found.append(f"key: {lifecycle.describe} takes no required {lifecycle.key}")
    for field in ("create", "delete", "stop"):
        operation = named[field]
        if operation in operations:
            members = cast(dict[str, Any], getattr(model.operation_model(operation).input_shape, "members", {}))
            if lifecycle.key not in members:
                found.append(f"{field}: {operation} takes no {lifecycle.key}")
    statuses = enum_at(describe.output_shape, lifecycle.status)
    if statuses is None:
        return [*found, f"status: {lifecycle.describe} has no enum at {lifecycle.status}"]
    classes = lifecycle.statuses()
    for name, values in classes.items():
        if unknown := sorted(values - statuses):
            found.append(f"{name}: {unknown} are not values of {lifecycle.status}")
    classified = [status for values in classes.values() for status in values]
    if twice := sorted({status for status in classified if classified.count(status) > 1}):
        found.append(f"statuses in more than one class: {twice}")
    if unclassified := sorted(statuses - set(classified)):
        found.append(f"statuses of {lifecycle.status} in no class: {unclassified}")
    phases: set[str] = set()
    if lifecycle.phase:
        phases = enum_at(describe.output_shape, lifecycle.phase) or set()
        if not phases:
            found.append(f"phase: {lifecycle.describe} has no enum at {lifecycle.phase}")
    if unknown := sorted(lifecycle.ends_soon - statuses - phases):
        found.append(f"ends_soon: {unknown} are neither statuses nor phases")
    if enum_at(describe.output_shape, lifecycle.failure_reason, leaf=True) is None:
        found.append(f"failure_reason: {lifecycle.describe} has no {lifecycle.failure_reason}")
    return found


def enum_at(shape: Any, path: str, *, leaf: bool = False) -> set[str] | None:
    """The enum of the member at a dotted path of a structure; with `leaf`, any member's (empty
    set when it has no enum); None when the path does not exist."""
    for part in path.split("."):
        members = cast(dict[str, Any], getattr(shape, "members", {}))
        if part not in members:
            return None
        shape = members[part]
    values = set(getattr(shape, "enum", None) or [])
    return values if values or leaf else None


def spec_violations(spec: WaitSpec) -> list[str]:
    """What in a provider's own WaitSpec (one the lifecycle does not derive) the service model
    does not know: its operation, fields or statuses."""
    model = sagemaker_model()
    if spec.operation not in cast(list[str], model.operation_names):
        return [f"no operation {spec.operation}"]
    output = model.operation_model(spec.operation).output_shape
    statuses = enum_at(output, spec.status_field)
    if statuses is None:
        return [f"{spec.operation} has no enum at {spec.status_field}"]
    phases = (enum_at(output, spec.phase_field) or set()) if spec.phase_field else set()
    if spec.phase_field and not phases:
        return [f"{spec.operation} has no enum at {spec.phase_field}"]
    unknown = (spec.success | spec.failure) - statuses
    unknown |= spec.ends_soon - statuses - phases
    return [f"{spec.status_field}: {sorted(unknown)} are not statuses of {spec.operation}"] if unknown else []
