"""`make down` stops the local AWS answering on LOCAL_PORT, whoever started it, and says so."""

from __future__ import annotations

import socket
import subprocess

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
