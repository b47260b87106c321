"""The local AWS: one HTTP server on 127.0.0.1 that answers like AWS.

Every request passes three steps:
1. it is counted as `service:Operation` (the call counter), and a SageMaker JSON request is
   recorded with its body (the request log: what a provider really sent, for fidelity tests);
2. an armed error fault for that operation answers instead, in the protocol's own error shape
   (or after serving it, for a call whose response is lost);
3. SageMaker operations that our layer registers are answered by it; everything else
   (S3, IAM, STS, KMS and the rest of SageMaker) by moto's server.

Paths under `/_sagestack/` are the control interface (README: "The local AWS").
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from moto.iam.models import get_account_id_from
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from pydantic import ValidationError as PydanticValidationError
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sagestack.local.control import ControlState, ErrorFault, FailureFault, RecordedRequest, RollbackFault
from sagestack.local.sagemaker import OPERATIONS, SageMakerError, SageMakerLayer

CONTROL_PREFIX = "/_sagestack/"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class ApiRequest:
    """Who is calling what: read from the SigV4 credential scope and the protocol's action."""

    service: str
    action: str
    protocol: str  # "json" (X-Amz-Target), "query" (Action=) or "rest"
    region: str
    access_key: str

    @property
    def operation(self) -> str:
        return f"{self.service}:{self.action}"


def identify(environ: dict[str, Any]) -> ApiRequest:
    """Name the operation of a request without consuming its body."""
    service, region, access_key = "unknown", "us-east-1", ""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in authorization:
        scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 4:
            access_key, region, service = scope[0], scope[2], scope[3]
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return ApiRequest(service, target.rsplit(".", 1)[-1], "json", region, access_key)
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        body = _read_body(environ)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        if action:
            return ApiRequest(service, action, "query", region, access_key)
    return ApiRequest(service, environ.get("REQUEST_METHOD", "GET"), "rest", region, access_key)


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back, so whoever answers can read it again."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _recorded(request: ApiRequest, body: bytes) -> RecordedRequest:
    """A request as received, before a fault or the SageMaker layer sees it (so a request that
    a fault answers is recorded too: it reached AWS)."""
    text = body.decode("utf-8", "replace")
    try:
        parsed: Any = json.loads(text) if text else {}
    except ValueError:
        parsed = text
    return RecordedRequest(
        operation=request.operation,
        body=parsed,
        account=get_account_id_from(request.access_key),
        region=request.region,
    )


def error_response(request: ApiRequest, code: str, message: str, status: int) -> Response:
    """An error in the shape the caller's protocol expects, so botocore parses its code."""
    request_id = str(uuid.uuid4())
    if request.protocol == "json":
        body = json.dumps({"__type": code, "message": message})
        return Response(
            body,
            status=status,
            headers={"x-amzn-ErrorType": code, "x-amzn-RequestId": request_id},
            content_type=JSON_CONTENT_TYPE,
        )
    kind = "Sender" if status < 500 else "Receiver"
    if request.protocol == "query":
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    else:
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
    return Response(body, status=status, content_type="text/xml")


class LocalAws:
    """The WSGI application of the local AWS (see the module docstring)."""

    def __init__(self, control: ControlState | None = None) -> None:
        self.control = control or ControlState()
        self.sagemaker = SageMakerLayer(self.control)
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self.control_app(environ, start_response)
        request = identify(environ)
        self.control.calls.count(request.operation)
        if request.service == "sagemaker" and request.protocol == "json":
            self.control.requests.record(_recorded(request, _read_body(environ)))
        fault = self.control.faults.take_error(request.operation)
        if fault is None:
            return self._serve(request, environ, start_response)
        if fault.after_serving:
            for _ in self._serve(request, environ, lambda *_: None):  # acted on, response dropped
                pass
        return error_response(request, fault.code, fault.message, fault.status)(environ, start_response)

    def _serve(self, request: ApiRequest, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if request.service == "sagemaker" and request.protocol == "json" and self.sagemaker.handles(request.action):
            return self._sagemaker(request, environ)(environ, start_response)
        return self.moto(environ, start_response)

    def _sagemaker(self, request: ApiRequest, environ: dict[str, Any]) -> Response:
        try:
            body = json.loads(_read_body(environ) or b"{}")
            answer = self.sagemaker.handle(
                request.action, body, get_account_id_from(request.access_key), request.region
            )
        except SageMakerError as error:
            return error_response(request, error.code, error.message, error.status)
        except (KeyError, TypeError, ValueError) as error:
            return error_response(request, "ValidationException", f"Malformed request: {error!r}", 400)
        return Response(
            json.dumps(answer), headers={"x-amzn-RequestId": str(uuid.uuid4())}, content_type=JSON_CONTENT_TYPE
        )

    # --- control interface --------------------------------------------------------------------

    def control_app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        route = (request.method, request.path[len(CONTROL_PREFIX) :].strip("/"))
        handler = self._routes().get(route)
        if handler is None:
            response = _json({"error": f"no control route {request.method} {request.path}"}, 404)
        else:
            try:
                # GET routes take their parameters from the query string (`requests?operation=...`).
                payload = {**request.args.to_dict(), **(request.get_json(silent=True) or {})}
                response = _json(handler(payload))
            except (PydanticValidationError, ValueError, TypeError) as error:
                response = _json({"error": str(error)}, 400)
        return response(environ, start_response)

    def _routes(self) -> dict[tuple[str, str], Callable[[dict[str, Any]], Any]]:
        control = self.control
        return {
            ("GET", "health"): lambda _: {"ok": True, "pid": os.getpid(), "sagemaker_operations": sorted(OPERATIONS)},
            ("POST", "reset"): lambda _: self.reset(),
            ("GET", "calls"): lambda _: {"calls": control.calls.snapshot()},
            ("DELETE", "calls"): lambda _: control.calls.clear() or {"calls": {}},
            ("GET", "requests"): lambda p: {"requests": control.requests.snapshot(p.get("operation"))},
            ("DELETE", "requests"): lambda _: control.requests.clear() or {"requests": []},
            ("POST", "faults/errors"): lambda p: control.faults.arm_error(ErrorFault.model_validate(p)) or p,
            ("POST", "faults/failures"): lambda p: control.faults.arm_failure(FailureFault.model_validate(p)) or p,
            ("POST", "faults/rollbacks"): lambda p: control.faults.arm_rollback(RollbackFault.model_validate(p)) or p,
            ("DELETE", "faults"): lambda _: control.faults.clear() or {},
            ("GET", "clock"): lambda _: self._clock({}),
            ("POST", "clock"): self._clock,
            ("GET", "durations"): lambda _: control.durations.model_dump(),
            ("POST", "durations"): self._durations,
        }

    def reset(self) -> dict[str, Any]:
        """Forget every resource (ours and moto's), fault, count, recorded request and clock change."""
        moto_api_backend.reset()
        self.sagemaker.reset()
        self.control.reset()
        return {"reset": True}

    def _clock(self, payload: dict[str, Any]) -> dict[str, Any]:
        clock = self.control.clock
        if payload.get("freeze"):
            clock.freeze(payload.get("at"))
        if payload.get("unfreeze"):
            clock.unfreeze()
        if payload.get("advance"):
            clock.advance(float(payload["advance"]))
        return {"now": clock.now(), "frozen": clock.frozen}

    def _durations(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.control.durations = self.control.durations.merged(payload)
        return self.control.durations.model_dump()


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


def serve(host: str, port: int, control: ControlState, verbose: bool = False) -> None:
    """Serve the local AWS until the process is killed; prints the endpoint URL first."""
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.WARNING)
    server = make_server(host, port, LocalAws(control), threaded=True, request_handler=MotoRequestHandler)
    print(f"sagestack local: serving the local AWS at http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()
