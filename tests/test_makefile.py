"""The Makefile's set-up: `make down` stops the local AWS answering on LOCAL_PORT, whoever
started it, and says so; a stale `.venv` is rebuilt with a message instead of failing forever."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

from sagestack.testing.local_aws import LocalAws
from sagestack.toolchain import REPO_ROOT


def make_down(port: int) -> str:
    result = subprocess.run(
        ["make", "-s", "down", f"LOCAL_PORT={port}"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_make_down_stops_a_local_aws_it_did_not_start() -> None:
    server = LocalAws.start(port=0)  # started outside `make up`: no pid file anywhere
    assert server.process is not None
    port = int(server.url.rsplit(":", 1)[-1])
    assert make_down(port) == f"local AWS at http://127.0.0.1:{port} stopped (pid {server.process.pid})"
    assert server.process.wait(timeout=10) is not None


def test_make_down_with_nothing_running_says_so() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert make_down(port) == f"no local AWS answering at http://127.0.0.1:{port}"


def test_a_venv_of_a_missing_python_is_rebuilt_with_a_message(tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to("/nonexistent/python3.9")  # its Python is gone
    first = subprocess.run(["make", "-s", "venv"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert "was made by an unsupported or missing Python" in first.stdout
    assert "creating .venv" in first.stdout
    ran = subprocess.run(
        [tmp_path / ".venv" / "bin" / "python", "-c", "import sys; print(sys.version_info >= (3, 11))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.strip() == "True"
    again = subprocess.run(["make", "-s", "venv"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert again.stdout == ""  # a good venv is left alone
