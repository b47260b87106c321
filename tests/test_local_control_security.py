"""The control interface answers only what a web page cannot send (issue 18, part 4): a request
with a body must be JSON (a cross-site form or text/plain POST needs no CORS preflight), the Host
must be the loopback address and port served (DNS rebinding), and `sagestack local` binds beyond
loopback only with --unsafe-expose."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from sagestack.testing.local_aws import LocalAws
from tests.aws_errors import aws_error


def send(
    aws: LocalAws, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, object]]:
    url = urlsplit(aws.url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    # http.client sends the Host it connects to unless the headers name one (a browser after a
    # DNS rebinding sends the attacker's name with the loopback address).
    connection.request(method, f"/_sagestack/{path}", body, headers or {})
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"{}")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_a_post_that_is_not_json_is_refused(aws: LocalAws, content_type: str | None) -> None:
    aws.fail_calls("sagemaker:ListModels", code="ValidationException", message="armed before")
    headers = {"Content-Type": content_type} if content_type else {}
    status, answer = send(aws, "POST", "reset", b'{"x": 1}', headers)
    assert status == 415 and "application/json" in str(answer["error"])
    status, _ = send(aws, "POST", "faults/errors", b'{"operation": "sagemaker:ListModels"}', headers)
    assert status == 415
    assert aws_error(aws.client("sagemaker").list_models) == ("ValidationException", "armed before"), (
        "the fault armed before is still there: the reset was refused"
    )
    assert aws.client("sagemaker").list_models()["Models"] == [], "and the refused POST armed nothing"


def test_a_json_post_is_served(aws: LocalAws) -> None:
    status, answer = send(aws, "POST", "clock", b'{"advance": 1}', {"Content-Type": "application/json; charset=utf-8"})
    assert status == 200 and "now" in answer


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1:1", "192.168.1.20:{port}"])
def test_a_foreign_host_is_refused(aws: LocalAws, host: str) -> None:
    port = urlsplit(aws.url).port
    headers = {"Host": host.format(port=port)}
    assert send(aws, "GET", "requests", headers=headers)[0] == 403
    assert send(aws, "POST", "reset", b"{}", {**headers, "Content-Type": "application/json"})[0] == 403


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}"])
def test_loopback_hosts_are_served(aws: LocalAws, host: str) -> None:
    port = urlsplit(aws.url).port
    assert send(aws, "GET", "health", headers={"Host": host.format(port=port)})[0] == 200


def test_the_aws_api_is_not_the_control_interface(aws: LocalAws) -> None:
    """The Host check guards the control interface; AWS clients keep their own addressing."""
    assert aws.client("sagemaker").list_models()["Models"] == []


def _local(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sagestack", "local", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_binding_beyond_loopback_is_refused() -> None:
    process = _local("--host", "0.0.0.0")
    try:
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 2
    assert "--unsafe-expose" in stderr and "0.0.0.0" in stderr


def test_unsafe_expose_serves_with_a_loud_warning() -> None:
    process = _local("--host", "0.0.0.0", "--unsafe-expose")
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        assert "serving the local AWS at http://0.0.0.0:" in line
        port = int(line.rsplit(":", 1)[-1])
        warning = process.stderr.readline()
        assert warning.startswith("WARNING: sagestack local is serving on 0.0.0.0")
        exposed = LocalAws(f"http://127.0.0.1:{port}")
        status, _ = send(exposed, "GET", "health", headers={"Host": f"my-machine.example:{port}"})
        assert status == 200, "exposed on purpose: reached under names it cannot know"
    finally:
        process.terminate()
        process.wait(timeout=10)
