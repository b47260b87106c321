"""`make pulumi-cli` (`python -m sagestack.toolchain`) as a user meets it: with and without Go,
with their own CLI, run twice; and the plugin launcher it writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sagestack import toolchain as toolchain_module
from sagestack.toolchain import DYNAMIC_PROVIDER_PLUGIN, PULUMI_VERSION, REPO_ROOT

BUILT = REPO_ROOT / ".tools" / "bin" / "pulumi"


def toolchain(*args: str, path: list[Path], tools: Path) -> subprocess.CompletedProcess[str]:
    """The toolchain with only `path` (and the system's own folders) on PATH and `tools` as its folder."""
    env = {
        **os.environ,
        "PATH": os.pathsep.join([*map(str, path), "/usr/bin", "/bin"]),
        "SAGESTACK_TOOLS_DIR": str(tools),
    }
    return subprocess.run(
        [sys.executable, "-m", "sagestack.toolchain", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        check=False,
        timeout=120,
    )


def executable(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_without_go_it_says_so_and_fails(tmp_path: Path) -> None:
    result = toolchain(path=[], tools=tmp_path / "tools")
    assert result.returncode == 1
    assert "Go is not installed" in result.stdout and "make pulumi-cli" in result.stdout
    assert not (tmp_path / "tools" / "bin" / "pulumi").exists()


def test_make_test_goes_on_without_go_and_skips_the_engine_tests(tmp_path: Path) -> None:
    result = toolchain("--optional", path=[], tools=tmp_path / "tools")
    assert result.returncode == 0
    assert "the engine tests will be skipped" in result.stdout


def test_a_users_own_cli_is_used_as_it_is(tmp_path: Path) -> None:
    users = executable(tmp_path / "home" / "bin" / "pulumi", 'echo "v3.999.0"\n')
    result = toolchain(path=[users.parent], tools=tmp_path / "tools")
    assert result.returncode == 0
    assert f"using your Pulumi CLI at {users} (v3.999.0); nothing to build" in result.stdout
    assert not (tmp_path / "tools").exists()


@pytest.mark.skipif(not BUILT.exists(), reason="no CLI built in .tools/bin (make pulumi-cli)")
def test_a_second_run_builds_nothing(tmp_path: Path) -> None:
    result = toolchain(path=[Path("/usr/local/go/bin")], tools=REPO_ROOT / ".tools")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"is v{PULUMI_VERSION} already" in result.stdout
    assert "go build" not in result.stdout


def test_the_dynamic_provider_launcher_runs_the_virtualenv_the_engine_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine passes Pulumi.yaml's runtime.options.virtualenv as PULUMI_RUNTIME_VIRTUALENV;
    without it the launcher runs the Python it was written for."""
    monkeypatch.setattr(toolchain_module, "TOOLS_BIN", tmp_path / "tools" / "bin")
    project_python = executable(tmp_path / "project" / "python", 'echo "project python $*"\n')
    [launcher] = toolchain_module.write_launchers(project_python)
    assert launcher.name == DYNAMIC_PROVIDER_PLUGIN
    venv_python = executable(tmp_path / "venv" / "bin" / "python", 'echo "venv python $*"\n')

    def launch(env: dict[str, str]) -> str:
        return subprocess.run(
            [str(launcher), "127.0.0.1:1234"], capture_output=True, text=True, env=env, check=True
        ).stdout

    named = launch({"PATH": "/usr/bin:/bin", "PULUMI_RUNTIME_VIRTUALENV": str(venv_python.parent.parent)})
    assert named.strip() == "venv python -u -m pulumi.dynamic 127.0.0.1:1234"
    assert launch({"PATH": "/usr/bin:/bin"}).strip() == "project python -u -m pulumi.dynamic 127.0.0.1:1234"


@pytest.mark.skipif(not BUILT.exists(), reason="no CLI built in .tools/bin (make pulumi-cli)")
def test_make_up_names_what_pulumi_up_still_needs(tmp_path: Path) -> None:
    missing = toolchain("--check-up", path=[BUILT.parent], tools=REPO_ROOT / ".tools")
    assert missing.returncode == 2
    assert "pulumi-language-python" in missing.stdout
    assert "pulumi plugin install resource aws" in missing.stdout

    plugins = tmp_path / "plugins"
    executable(plugins / "pulumi-language-python", "exit 0\n")
    executable(plugins / "pulumi-resource-aws", "exit 0\n")
    ready = toolchain("--check-up", path=[BUILT.parent, plugins], tools=REPO_ROOT / ".tools")
    assert ready.returncode == 0, ready.stdout
