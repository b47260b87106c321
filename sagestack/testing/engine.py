"""The real Pulumi engine, driving our programs against the local AWS.

`EngineStack` runs an inline program (a Python function) through Pulumi's Automation API: the
API serves the program from this process and hands the CLI its address (`--client`), so no
Python language plugin is needed. The CLI is the user's own `pulumi` on PATH or the one
`make pulumi-cli` built into `.tools/bin` (with our dynamic-provider and policy-analyzer
launchers beside it). State lives in a file backend, secrets under a passphrase, both in a
folder of the caller's; every AWS call goes to the local AWS. Everything the engine does
(provider processes, Check/Diff/Create/Read/Update/Delete, pending operations, secrets in the
checkpoint, policy packs) is the real thing.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from pulumi.automation.events import EngineEvent, OpType

from sagestack.testing.local_aws import DEFAULT_REGION, LocalAws
from sagestack.toolchain import REPO_ROOT, find_cli

PROJECT = "sagemaker-engine"
PASSPHRASE = "engine-tests"
RUN_MARKER = "SAGESTACK_ENGINE_RUN"
"""Set in the environment of every process of one EngineStack, so strays can be found and ended."""


def engine_unavailable() -> str | None:
    """Why the engine tests cannot run here, or None when a Pulumi CLI is at hand."""
    if find_cli() is None:
        return "no Pulumi CLI: not on PATH and not built ('make pulumi-cli' builds it where Go is installed)"
    return None


@dataclass
class Plan:
    """What the engine did, or would do, to each resource: the `op` of its step events, in order."""

    steps: list[tuple[str, str]] = field(default_factory=list)
    """(op, urn) in the order the engine reported them."""
    diffs: dict[str, list[str]] = field(default_factory=dict)
    """Per URN, the properties the provider's Diff named."""

    def record(self, event: EngineEvent) -> None:
        pre = event.resource_pre_event
        if pre is None:
            return
        meta = pre.metadata
        self.steps.append((str(meta.op.value if isinstance(meta.op, OpType) else meta.op), meta.urn))
        changed = [*(meta.diffs or []), *(meta.detailed_diff or {})]
        if changed:
            self.diffs[meta.urn] = sorted(set(changed))

    def ops(self, name: str) -> list[str]:
        """The ops for the resources whose URN ends in `::name`."""
        return [op for op, urn in self.steps if urn.endswith(f"::{name}")]

    def changed(self) -> list[tuple[str, str]]:
        """Every step that is not 'same' (reads of data sources aside)."""
        return [(op, urn) for op, urn in self.steps if op not in ("same", "read")]


class EngineStack:
    """One stack of one inline program, run by the real Pulumi CLI against the local AWS."""

    def __init__(
        self,
        program: Callable[[], None],
        aws: LocalAws,
        root: Path,
        *,
        stack: str = "test",
        region: str = DEFAULT_REGION,
        config: Mapping[str, str] | None = None,
        secret_config: Mapping[str, str] | None = None,
    ) -> None:
        cli = find_cli()
        if cli is None:
            raise RuntimeError(engine_unavailable())
        self.aws = aws
        self.root = root
        self.state_dir = root / "state"
        self.marker = uuid.uuid4().hex
        work_dir = root / "work"
        work_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **aws.env(region),
            "PULUMI_BACKEND_URL": f"file://{self.state_dir}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # The provider host imports providers by module: ours, and the tests' controls.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
            RUN_MARKER: self.marker,
        }
        settings = auto.ProjectSettings(
            name=PROJECT,
            runtime=auto.ProjectRuntimeInfo(name="python", options={"virtualenv": str(REPO_ROOT / ".venv")}),
        )
        options = auto.LocalWorkspaceOptions(
            work_dir=str(work_dir),
            pulumi_home=str(root / "pulumi-home"),
            env_vars=env,
            pulumi_command=auto.PulumiCommand(root=str(cli.parent.parent)),
            project_settings=settings,
            secrets_provider="passphrase",
        )
        self.stack_name = stack
        self.stack = auto.create_or_select_stack(stack, project_name=PROJECT, program=program, opts=options)
        self.stack.set_config("aws:region", auto.ConfigValue(region))
        for key, value in (config or {}).items():
            self.stack.set_config(key, auto.ConfigValue(value))
        for key, value in (secret_config or {}).items():
            self.stack.set_config(key, auto.ConfigValue(value, secret=True))
        self.output: list[str] = []

    # --- operations -------------------------------------------------------------------------

    def _collect(self, plan: Plan) -> dict[str, Any]:
        return {"on_event": plan.record, "on_output": self.output.append}

    def edit(self, program: Callable[[], None]) -> None:
        """Change the program, as a user edits code: every later operation runs this one."""
        self.stack.workspace.program = program

    def up(self, program: Callable[[], None] | None = None, **options: Any) -> tuple[auto.UpResult, Plan]:
        """`pulumi up`; with `program`, after editing the program to it."""
        if program is not None:
            self.edit(program)
        plan = Plan()
        result = self.stack.up(**self._collect(plan), **options)
        return result, plan

    def preview(self, program: Callable[[], None] | None = None, **options: Any) -> tuple[auto.PreviewResult, Plan]:
        """`pulumi preview` of the current program, or of `program` without editing to it."""
        plan = Plan()
        result = self.stack.preview(program=program, **self._collect(plan), **options)
        return result, plan

    def refresh(self, **options: Any) -> tuple[auto.RefreshResult, Plan]:
        plan = Plan()
        result = self.stack.refresh(**self._collect(plan), **options)
        return result, plan

    def destroy(self, **options: Any) -> tuple[auto.DestroyResult, Plan]:
        plan = Plan()
        result = self.stack.destroy(**self._collect(plan), **options)
        return result, plan

    def interrupt_up(self, when: Callable[[], bool], grace_seconds: float = 2.0, timeout: float = 120) -> Exception:
        """Start `up`, and once `when()` is true send the CLI SIGINT (a user's Ctrl-C), then SIGKILL
        after `grace_seconds` (a second Ctrl-C, a closed terminal, a CI job cancelled). Returns the
        error `up` ended with."""
        outcome: list[BaseException | None] = []

        def run() -> None:
            try:
                self.stack.up(on_output=self.output.append)
                outcome.append(None)
            except BaseException as error:
                outcome.append(error)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not when():
            if time.monotonic() > deadline or not thread.is_alive():
                raise AssertionError(f"up ended or timed out before the interrupt point: {outcome}")
            time.sleep(0.1)
        [cli] = self._processes(lambda command: command[:1] and Path(command[0]).name == "pulumi")
        os.kill(cli, signal.SIGINT)
        time.sleep(grace_seconds)
        with suppress(ProcessLookupError):
            os.kill(cli, signal.SIGKILL)
        thread.join(timeout=60)
        error = outcome[0] if outcome else None
        if not isinstance(error, Exception):
            raise AssertionError(f"up was not interrupted: {error!r}")
        return error

    # --- what the engine recorded -----------------------------------------------------------

    def checkpoint_path(self) -> Path:
        return self.state_dir / ".pulumi" / "stacks" / PROJECT / f"{self.stack_name}.json"

    def checkpoint(self) -> dict[str, Any]:
        """The file backend's checkpoint as written (the deployment is `checkpoint.latest`)."""
        return json.loads(self.checkpoint_path().read_text())

    def resources(self) -> list[dict[str, Any]]:
        return self.checkpoint()["checkpoint"]["latest"].get("resources") or []

    def resource(self, name: str) -> dict[str, Any]:
        [found] = [r for r in self.resources() if r["urn"].endswith(f"::{name}")]
        return found

    def pending_operations(self) -> list[dict[str, Any]]:
        return self.checkpoint()["checkpoint"]["latest"].get("pending_operations") or []

    # --- clean-up ---------------------------------------------------------------------------

    def _processes(self, match: Callable[[list[str]], Any]) -> list[int]:
        """PIDs of this stack's processes (found by RUN_MARKER) whose command line matches."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes()
                command = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            except OSError:
                continue
            if f"{RUN_MARKER}={self.marker}".encode() in environ and match(command):
                found.append(int(entry.name))
        return found

    def kill_strays(self) -> list[int]:
        """End every process this stack left behind (provider hosts of a killed CLI)."""
        strays = self._processes(lambda _: True)
        for pid in strays:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return strays

    def close(self) -> None:
        self.kill_strays()
