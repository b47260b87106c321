"""Run a Pulumi program or component under Pulumi's own mocks and see what it registered.

`run_program(fn)` sets `pulumi.runtime.set_mocks`, runs `fn` inside `@pulumi.runtime.test`
(which waits for every outstanding registration), and returns a `ProgramRun` listing each
resource with its type, name, parent URN, inputs and the outputs a component registered, plus
whatever `fn` returned, resolved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs

ACCOUNT_ID = "123456789012"
REGION = "us-west-2"


@dataclass
class Registered:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    provider: str = ""
    outputs: dict[str, Any] | None = None
    """For components: what they passed to `register_outputs` (None if they never did)."""


class PlatformMocks(pulumi.runtime.Mocks):
    """Default mocks: physical ids and ARNs for custom resources, account and region for invokes.

    `outputs` may add computed outputs per resource (args -> extra state).
    """

    def __init__(self, outputs: Callable[[MockResourceArgs], dict[str, Any]] | None = None) -> None:
        self._outputs = outputs

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        state = dict(args.inputs)
        if args.custom:
            state.setdefault("arn", f"arn:aws:mock:{REGION}:{ACCOUNT_ID}:{args.typ.split(':')[-1].lower()}/{args.name}")
        if self._outputs is not None:
            state.update(self._outputs(args))
        return (f"{args.name}-id" if args.custom else None), state

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        answers: dict[str, dict[str, Any]] = {
            "aws:index/getCallerIdentity:getCallerIdentity": {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/mock",
                "userId": "mock",
            },
            "aws:index/getRegion:getRegion": {"name": REGION, "region": REGION, "id": REGION},
            "aws:index/getPartition:getPartition": {"partition": "aws", "dnsSuffix": "amazonaws.com"},
        }
        return answers.get(args.token, {}), []


class RecordingMonitor(MockMonitor):
    """Pulumi's MockMonitor, also remembering each registration's parent and component outputs."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registered: dict[str, Registered] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self.registered[response.urn] = Registered(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            custom=bool(request.custom),
            inputs=dict(rpc.deserialize_properties(request.object, keep_unknowns=True) or {}),
            provider=request.provider,
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn in self.registered:
            self.registered[request.urn].outputs = dict(rpc.deserialize_properties(request.outputs) or {})
        return super().RegisterResourceOutputs(request)


@dataclass
class ProgramRun:
    """What a program registered under mocks, and what it returned (resolved)."""

    resources: list[Registered]
    result: Any = None
    config: dict[str, str] = field(default_factory=dict)

    def of_type(self, type_token: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> Registered:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise LookupError(f"{len(matches)} resources named {name!r}: {[r.urn for r in self.resources]}")
        return matches[0]

    def children_of(self, parent: Registered) -> list[Registered]:
        return [r for r in self.resources if r.parent == parent.urn]


def run_program(
    program: Callable[[], Any],
    mocks: pulumi.runtime.Mocks | None = None,
    project: str = "sagemaker-platform",
    stack: str = "test",
    preview: bool = False,
) -> ProgramRun:
    """Run `program` under mocks; its return value (Outputs included) is resolved into `result`."""
    monitor = RecordingMonitor(mocks or PlatformMocks())
    pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    box: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> Any:
        return pulumi.Output.from_input(program()).apply(lambda value: box.update(result=value))

    run()
    return ProgramRun(list(monitor.registered.values()), box.get("result"))
