"""Start `sagestack local` (as a subprocess, or in a thread of this process) and drive its
control interface."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import urllib.parse
from collections.abc import Mapping
from typing import Any

from boto3.session import Session
from botocore.config import Config
from werkzeug.serving import BaseWSGIServer

from sagestack.local.control import ControlState, Durations, RecordedRequest, Responder
from sagestack.local.server import LocalAws as LocalAwsApp
from sagestack.local.server import serve_in_thread

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
DEFAULT_REGION = "us-west-2"


class LocalAwsError(RuntimeError):
    """The control interface refused a request."""


class LocalAws:
    """A running local AWS: its URL, its control interface, and boto3 clients pointed at it."""

    def __init__(
        self,
        url: str,
        process: subprocess.Popen[str] | None = None,
        server: BaseWSGIServer | None = None,
        app: LocalAwsApp | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.process = process
        self.server = server
        self.app = app
        """The WSGI application, when the local AWS runs in this process (`start_in_process`)."""

    # --- lifecycle --------------------------------------------------------------------------

    @classmethod
    def start(cls, port: int = 0, durations: Mapping[str, Mapping[str, float]] | None = None) -> LocalAws:
        """Run `sagestack local` on `port` (0: a free one) and wait until it prints its URL."""
        env = dict(os.environ)
        if durations:
            env["SAGESTACK_LOCAL_DURATIONS"] = json.dumps(durations)
        process = subprocess.Popen(
            [sys.executable, "-m", "sagestack", "local", "--port", str(port)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        if "http://" not in line:
            process.kill()
            raise LocalAwsError(f"sagestack local did not start: {line!r}")
        return cls(line.rsplit(" ", 1)[-1].strip(), process)

    @classmethod
    def start_in_process(cls, port: int = 0, durations: Mapping[str, Mapping[str, float]] | None = None) -> LocalAws:
        """Serve the local AWS from a thread of this process, so a test can register Python models
        (`respond_with`). It shares this process's moto backends: one per process."""
        base = Durations().merged({kind: dict(phases) for kind, phases in (durations or {}).items()})
        server, app = serve_in_thread(ControlState(durations=base, default_durations=base), port)
        return cls(f"http://127.0.0.1:{server.server_port}", server=server, app=app)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # --- clients ----------------------------------------------------------------------------

    def env(self, region: str = DEFAULT_REGION) -> dict[str, str]:
        """Environment variables that point the standard AWS chain at this local AWS."""
        return {**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": self.url, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}

    def client(self, service: str, region: str = DEFAULT_REGION, **config: Any) -> Any:
        """A real boto3 client over HTTP; pass botocore Config options such as `retries`."""
        return Session().client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=Config(**config) if config else None,
        )

    # --- control interface ------------------------------------------------------------------

    def _control(self, method: str, path: str, payload: Mapping[str, Any] | None = None) -> Any:
        # http.client, not urlopen: the URL is always this server's http one (urlopen would also
        # open file: and custom schemes, which the security lint rightly flags).
        address = urllib.parse.urlsplit(self.url)
        connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=10)
        try:
            body = json.dumps(payload).encode() if payload is not None else None
            # Every request says JSON: the control interface refuses a POST that does not.
            connection.request(method, f"/_sagestack/{path}", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        if response.status >= 400:
            raise LocalAwsError(f"{method} {path}: {answer.decode()}")
        return json.loads(answer)

    def health(self) -> dict[str, Any]:
        return self._control("GET", "health")

    def reset(self) -> None:
        self._control("POST", "reset")

    def calls(self) -> dict[str, int]:
        """API calls received so far, as {"sagemaker:CreateTrainingJob": 1, ...}."""
        return self._control("GET", "calls")["calls"]

    def clear_calls(self) -> None:
        self._control("DELETE", "calls")

    def requests(self, operation: str | None = None) -> list[RecordedRequest]:
        """The SageMaker requests received since the last reset (the last 500), oldest first, each
        with its JSON body as sent; `operation` ("sagemaker:CreateTrainingJob") keeps only those."""
        query = f"?{urllib.parse.urlencode({'operation': operation})}" if operation else ""
        return self._control("GET", f"requests{query}")["requests"]

    def clear_requests(self) -> None:
        self._control("DELETE", "requests")

    def fail_calls(
        self,
        operation: str,
        count: int = 1,
        *,
        code: str = "ThrottlingException",
        status: int = 400,
        message: str = "Rate exceeded",
        after_serving: bool = False,
    ) -> None:
        """Answer the next `count` calls of `operation` ("sagemaker:DescribeTrainingJob") with an error;
        with `after_serving`, each call takes effect first and only its response is lost."""
        self._control(
            "POST",
            "faults/errors",
            {
                "operation": operation,
                "count": count,
                "code": code,
                "status": status,
                "message": message,
                "after_serving": after_serving,
            },
        )

    def fail_resource(self, kind: str, reason: str, name: str | None = None) -> None:
        """Make the creation of `name` (or of the next resource of `kind`) end failed with `reason`."""
        self._control("POST", "faults/failures", {"kind": kind, "name": name, "reason": reason})

    def roll_back_next_update(self, endpoint: str | None = None, reason: str | None = None) -> None:
        payload: dict[str, Any] = {"endpoint": endpoint}
        if reason is not None:
            payload["reason"] = reason
        self._control("POST", "faults/rollbacks", payload)

    def freeze_clock(self, at: float | None = None) -> float:
        return self._control("POST", "clock", {"freeze": True, "at": at})["now"]

    def advance_clock(self, seconds: float) -> float:
        return self._control("POST", "clock", {"advance": seconds})["now"]

    def now(self) -> float:
        return self._control("GET", "clock")["now"]

    def set_durations(self, durations: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
        return self._control("POST", "durations", dict(durations))

    # --- endpoint models --------------------------------------------------------------------

    def respond(
        self,
        endpoint: str,
        mode: str = "echo",
        *,
        body: str = "",
        content_type: str = "application/json",
        status: int = 500,
    ) -> None:
        """What `endpoint`'s model answers: "echo" (the default) the request body, "fixed" `body`,
        "model_error" a container error `status` with `body` as its message."""
        self._control(
            "POST",
            "responders",
            {"endpoint": endpoint, "mode": mode, "body": body, "content_type": content_type, "status": status},
        )

    def respond_with(self, endpoint: str, model: Responder) -> None:
        """Make a Python callable `endpoint`'s model (in-process only: see `start_in_process`).
        It gets a `sagestack.local.control.Invocation` and returns a `Reply`, bytes or str, or raises
        `ModelFailure(status, message)`."""
        if self.app is None:
            raise LocalAwsError("respond_with needs the local AWS in this process: LocalAws.start_in_process()")
        self.app.control.responders.set(endpoint, model)

    def responders(self) -> dict[str, Any]:
        return self._control("GET", "responders")["responders"]
