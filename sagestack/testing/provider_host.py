"""Pulumi's own dynamic-provider host, driven over gRPC the way the engine drives it.

`ProviderHost` starts `python -m pulumi.dynamic` (the process the engine starts for every
dynamic resource), reads the port it prints and speaks the ResourceProvider protocol to it:
Configure, Check, Diff, Create, Read, Update, Delete. The provider travels as the engine sends
it, serialized by `pulumi.dynamic.dynamic.serialize_provider` under `__provider`, and every
property crosses the wire as a protobuf Struct (so `2` arrives as `2.0`, as under the engine).

`Deployment` keeps state like the engine and runs `up`, `preview`, `refresh` and `destroy` on
top of those calls, with the engine's argument rules: Check gets the old *inputs*, Diff and
Update get the old *outputs*, Create gets the checked inputs, Delete gets the outputs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import grpc
from google.protobuf import json_format, struct_pb2
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

PROVIDER_KEY = "__provider"
UNKNOWN = rpc.UNKNOWN
"""What the engine sends during preview for an input that is not known yet."""
DYNAMIC_TYPE = "pulumi-python:dynamic:Resource"
REPO_ROOT = Path(__file__).resolve().parents[2]


class ProviderError(RuntimeError):
    """The provider host answered an RPC with an error (the provider raised).

    `details` is what the engine would print: the provider's traceback and message.
    """

    def __init__(self, method: str, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{method} failed ({code.name}): {details}")
        self.method = method
        self.code = code
        self.details = details


class CheckFailed(RuntimeError):
    """Check returned failures; the engine stops here and creates nothing."""

    def __init__(self, failures: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{prop}: {reason}" for prop, reason in failures))
        self.failures = failures

    @property
    def properties(self) -> list[str]:
        return [prop for prop, _ in self.failures]


@dataclass(frozen=True)
class DiffOutcome:
    changes: Literal["some", "none", "unknown"]
    replaces: list[str]
    delete_before_replace: bool


def to_struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return struct


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Properties as the engine keeps them: the raw wire values (unknowns stay the UNKNOWN
    sentinel, secrets stay wrapped), so they can be sent back unchanged."""
    return json_format.MessageToDict(struct)


def urn_for(name: str, type_token: str = DYNAMIC_TYPE, stack: str = "test", project: str = "sagemaker") -> str:
    return f"urn:pulumi:{stack}::{project}::{type_token}::{name}"


class ProviderHost:
    """One `python -m pulumi.dynamic` process and a gRPC stub to it."""

    def __init__(
        self, env: Mapping[str, str] | None = None, cwd: Path = REPO_ROOT, retry_delay_scale: float = 1.0
    ) -> None:
        """`retry_delay_scale` below 1 starts the host through `sagestack.testing.compressed_backoff`."""
        process_env = dict(os.environ)
        process_env.update(env or {})
        process_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(cwd), process_env.get("PYTHONPATH")]))
        command = [sys.executable, "-m", "pulumi.dynamic"]
        if retry_delay_scale != 1.0:
            command = [sys.executable, "-m", "sagestack.testing.compressed_backoff", str(retry_delay_scale)]
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=process_env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        port = self.process.stdout.readline().strip()
        if not port.isdigit():
            self.process.kill()
            raise RuntimeError(f"pulumi.dynamic host did not print a port: {port!r}")
        self.port = int(port)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self.channel).result(timeout=30)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request)
        except grpc.RpcError as error:
            raise ProviderError(method, error.code(), error.details() or "") from None  # type: ignore[attr-defined]

    # --- the engine's RPCs --------------------------------------------------------------------

    def configure(self, config: Mapping[str, str] | None = None) -> bool:
        """Send the stack config (e.g. {"aws:region": "us-west-2"}); returns acceptSecrets."""
        config = dict(config or {})
        request = provider_pb2.ConfigureRequest(variables=config, args=to_struct(config), acceptSecrets=True)
        return bool(self._call("Configure", request).acceptSecrets)

    def check(
        self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        request = provider_pb2.CheckRequest(urn=urn, olds=to_struct(olds), news=to_struct(news))
        response = self._call("Check", request)
        return from_struct(response.inputs), [(f.property, f.reason) for f in response.failures]

    def diff(
        self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], old_inputs: Mapping[str, Any]
    ) -> DiffOutcome:
        request = provider_pb2.DiffRequest(
            id=id_, urn=urn, olds=to_struct(olds), news=to_struct(news), old_inputs=to_struct(old_inputs)
        )
        response = self._call("Diff", request)
        changes = {
            provider_pb2.DiffResponse.DIFF_SOME: "some",
            provider_pb2.DiffResponse.DIFF_NONE: "none",
        }.get(response.changes, "unknown")
        return DiffOutcome(changes, list(response.replaces), bool(response.deleteBeforeReplace))  # type: ignore[arg-type]

    def create(self, urn: str, properties: Mapping[str, Any], timeout: float = 0) -> tuple[str, dict[str, Any]]:
        request = provider_pb2.CreateRequest(urn=urn, properties=to_struct(properties), timeout=timeout)
        response = self._call("Create", request)
        return response.id, from_struct(response.properties)

    def read(
        self, urn: str, id_: str, properties: Mapping[str, Any], inputs: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        request = provider_pb2.ReadRequest(id=id_, urn=urn, properties=to_struct(properties), inputs=to_struct(inputs))
        response = self._call("Read", request)
        new_inputs = from_struct(response.inputs) if response.HasField("inputs") else None
        return response.id, from_struct(response.properties), new_inputs

    def update(
        self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], old_inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        request = provider_pb2.UpdateRequest(
            id=id_, urn=urn, olds=to_struct(olds), news=to_struct(news), old_inputs=to_struct(old_inputs)
        )
        return from_struct(self._call("Update", request).properties)

    def delete(self, urn: str, id_: str, properties: Mapping[str, Any], old_inputs: Mapping[str, Any]) -> None:
        request = provider_pb2.DeleteRequest(
            id=id_, urn=urn, properties=to_struct(properties), old_inputs=to_struct(old_inputs)
        )
        self._call("Delete", request)

    # --- process ------------------------------------------------------------------------------

    def kill(self) -> None:
        """SIGKILL the host, as when `pulumi up` is interrupted hard or the machine dies."""
        self.channel.close()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def close(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def __enter__(self) -> ProviderHost:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass
class ResourceState:
    """What the engine's checkpoint holds for one resource."""

    urn: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass
class Step:
    """What one `up` of one resource did: "create", "update", "replace" or "same"."""

    operation: Literal["create", "update", "replace", "same"]
    state: ResourceState
    diff: DiffOutcome | None = None


@dataclass
class Deployment:
    """A stack of dynamic resources deployed through a ProviderHost with the engine's rules."""

    host: ProviderHost
    type_token: str = DYNAMIC_TYPE
    resources: dict[str, ResourceState] = field(default_factory=dict)

    def _inputs(self, provider: ResourceProvider, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {**inputs, PROVIDER_KEY: serialize_provider(provider)}

    def _checked(self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        checked, failures = self.host.check(urn, olds, news)
        if failures:
            raise CheckFailed(failures)
        return checked

    def preview(self, name: str, provider: ResourceProvider, inputs: Mapping[str, Any]) -> DiffOutcome | None:
        """Check (and Diff, for an existing resource) without changing anything; None for a create."""
        news = self._inputs(provider, inputs)
        old = self.resources.get(name)
        urn = old.urn if old else urn_for(name, self.type_token)
        checked = self._checked(urn, old.inputs if old else {}, news)
        if old is None:
            return None
        return self.host.diff(urn, old.id, old.outputs, checked, old.inputs)

    def preview_outputs(self, name: str, provider: ResourceProvider, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The outputs the engine hands the program in a preview that creates or updates `name`:
        the checked inputs. Pulumi's dynamic-provider host does not do provider-side previews, so
        the engine answers for it with the new inputs; an output that Check did not fill in is
        unknown to everything downstream (found under the real engine: README, The real engine)."""
        news = self._inputs(provider, inputs)
        old = self.resources.get(name)
        urn = old.urn if old else urn_for(name, self.type_token)
        checked = self._checked(urn, old.inputs if old else {}, news)
        return {key: value for key, value in checked.items() if key != PROVIDER_KEY}

    def up(self, name: str, provider: ResourceProvider, inputs: Mapping[str, Any], timeout: float = 0) -> Step:
        news = self._inputs(provider, inputs)
        old = self.resources.get(name)
        if old is None:
            urn = urn_for(name, self.type_token)
            checked = self._checked(urn, {}, news)
            id_, outputs = self.host.create(urn, checked, timeout)
            self.resources[name] = ResourceState(urn, id_, checked, outputs)
            return Step("create", self.resources[name])
        checked = self._checked(old.urn, old.inputs, news)
        diff = self.host.diff(old.urn, old.id, old.outputs, checked, old.inputs)
        if diff.changes == "none":
            return Step("same", old, diff)
        if diff.replaces:
            if diff.delete_before_replace:
                self.host.delete(old.urn, old.id, old.outputs, old.inputs)
            id_, outputs = self.host.create(old.urn, checked, timeout)
            if not diff.delete_before_replace:
                self.host.delete(old.urn, old.id, old.outputs, old.inputs)
            self.resources[name] = ResourceState(old.urn, id_, checked, outputs)
            return Step("replace", self.resources[name], diff)
        outputs = self.host.update(old.urn, old.id, old.outputs, checked, old.inputs)
        self.resources[name] = ResourceState(old.urn, old.id, checked, outputs)
        return Step("update", self.resources[name], diff)

    def refresh(self, name: str) -> ResourceState | None:
        """Read the live resource; None (and dropped from state) when it no longer exists."""
        old = self.resources[name]
        id_, outputs, inputs = self.host.read(old.urn, old.id, old.outputs, old.inputs)
        if not id_:
            del self.resources[name]
            return None
        self.resources[name] = ResourceState(old.urn, id_, inputs if inputs is not None else old.inputs, outputs)
        return self.resources[name]

    def import_resource(
        self, name: str, provider: ResourceProvider, inputs: Mapping[str, Any], id_: str
    ) -> ResourceState:
        """Take an existing object into the state, as `pulumi refresh --import-pending-creates`
        does after an interrupted create: Read with the checked inputs as the last known state."""
        urn = urn_for(name, self.type_token)
        checked = self._checked(urn, {}, self._inputs(provider, inputs))
        found, outputs, _ = self.host.read(urn, id_, checked, checked)
        if not found:
            raise LookupError(f"{name}: {id_} does not exist")
        self.resources[name] = ResourceState(urn, found, checked, outputs)
        return self.resources[name]

    def destroy(self, name: str) -> None:
        old = self.resources[name]
        self.host.delete(old.urn, old.id, old.outputs, old.inputs)
        del self.resources[name]


def interrupt_up(
    env: Mapping[str, str],
    name: str,
    provider: ResourceProvider,
    inputs: Mapping[str, Any],
    *,
    started: Callable[[], bool],
    timeout: float = 20.0,
    retry_delay_scale: float = 1.0,
) -> None:
    """Start `up` of one resource on a fresh host and SIGKILL that host as soon as `started()`
    is true (e.g. the create call reached AWS): a `pulumi up` interrupted mid-wait."""
    host = ProviderHost(env=env, retry_delay_scale=retry_delay_scale)
    host.configure({"aws:region": env.get("AWS_REGION", "us-west-2")})
    failures: list[BaseException] = []

    def run() -> None:
        try:
            Deployment(host).up(name, provider, inputs)
        except ProviderError as error:  # the RPC dies with the host
            failures.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not started():
        if time.monotonic() > deadline:
            host.kill()
            raise TimeoutError(f"{name}: the interrupted up never started")
        time.sleep(0.1)
    host.kill()
    thread.join(timeout=10)
    if not failures:
        raise AssertionError(f"{name}: the up finished before the host was killed")
