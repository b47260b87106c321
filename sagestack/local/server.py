"""The local AWS: one HTTP server on 127.0.0.1 that answers like AWS.

Every request passes three steps:
1. it is counted as `service:Operation` (the call counter), and a SageMaker request (control
   plane or runtime) is recorded with its body (the request log: what a client really sent);
2. an armed error fault for that operation answers instead, in the protocol's own error shape
   (or after serving it, for a call whose response is lost);
3. SageMaker requests go to our layer (`sagestack.local.sagemaker`), which owns every SageMaker
   resource it emulates and sends the rest (notebooks, pipelines...) to moto; everything else
   (S3, IAM, STS, KMS...) is moto's. An operation nobody answers gets an AWS-style
   `UnknownOperationException` (400) in its protocol's shape, never moto's 500 page, which
   clients retry for seconds.

The SageMaker runtime APIs (`sagemaker-runtime`, `sagemaker-featurestore-runtime`) sign as
`sagemaker` but speak REST-JSON; they are told apart by method and path (`restjson`) and named
by their client's service name (`sagemaker-runtime:InvokeEndpoint`).

Paths under `/_sagestack/` are the control interface (README: "The local AWS"). It changes what
the server answers, so it answers only requests that cannot come from a web page: the Host must
be the loopback address and port it serves (a DNS-rebinding page sends its own host name), and a
request with a body must say `application/json` (a cross-site form or `text/plain` POST needs no
CORS preflight; a JSON one does, and the preflight finds no route). The server binds only to
loopback addresses unless told `unsafe_expose`.
"""

from __future__ import annotations

import base64
import io
import ipaddress
import json
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from flask import Flask
from flask import request as flask_request
from moto.iam.models import get_account_id_from
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from pydantic import ValidationError as PydanticValidationError
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from sagestack.local import restjson
from sagestack.local.control import (
    ControlState,
    ErrorFault,
    FailureFault,
    RecordedRequest,
    ResponderConfig,
    RollbackFault,
)
from sagestack.local.sagemaker import OPERATIONS, SERVICE_OPERATIONS, SageMakerError, SageMakerLayer, UnknownOperation

CONTROL_PREFIX = "/_sagestack/"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
REST_JSON_CONTENT_TYPE = "application/json"
LOOPBACK_NAMES = ("localhost",)
MOTO_SAGEMAKER_REST_PATHS = ("/BatchPutMetrics",)
"""REST paths signed as `sagemaker` that moto answers (SageMaker Metrics' BatchPutMetrics)."""
StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class ApiRequest:
    """Who is calling what: read from the SigV4 credential scope and the protocol's action."""

    service: str
    action: str
    protocol: str  # "json" (X-Amz-Target), "query" (Action=), "rest-json" (a SageMaker runtime API) or "rest"
    region: str
    access_key: str
    labels: tuple[tuple[str, str], ...] = ()
    """A runtime request's path labels (EndpointName...), percent-encoded as sent."""

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
    method = environ.get("REQUEST_METHOD", "GET")
    if service == "sagemaker":
        found = restjson.match(method, _raw_path(environ))
        if found is not None:
            operation, labels = found
            return ApiRequest(operation.service, operation.name, "rest-json", region, access_key, tuple(labels.items()))
    return ApiRequest(service, method, "rest", region, access_key)


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as sent, percent-encoding intact: a feature group ARN in a path carries an encoded
    "/" that the decoded PATH_INFO would turn into a path separator."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ.get("PATH_INFO", ""))
    return str(raw).split("?", 1)[0]


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """Request headers by lower-case name (WSGI keeps Content-Type and Content-Length apart)."""
    headers = {
        key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return headers


def _runtime_input(request: ApiRequest, environ: dict[str, Any]) -> dict[str, Any]:
    """A runtime request's input members, read as botocore's model places them."""
    operation = restjson.find(request.service, request.action)
    query, body = environ.get("QUERY_STRING", ""), _read_body(environ)
    return restjson.parse(operation, dict(request.labels), query, _headers(environ), body)


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back, so whoever answers can read it again."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _loggable(value: Any) -> Any:
    """A runtime payload for the request log: text if it is UTF-8, else base64."""
    if isinstance(value, bytes):
        try:
            return value.decode()
        except UnicodeDecodeError:
            return base64.b64encode(value).decode()
    return value


def _recorded(request: ApiRequest, environ: dict[str, Any]) -> RecordedRequest:
    """A request as received, before a fault or the SageMaker layer sees it (so a request that
    a fault answers is recorded too: it reached AWS). A runtime request is recorded as its input
    members (the payload as text, or base64 if it is not UTF-8)."""
    parsed: Any
    if request.protocol == "rest-json":
        try:
            parsed = {key: _loggable(value) for key, value in _runtime_input(request, environ).items()}
        except ValueError:
            parsed = _read_body(environ).decode("utf-8", "replace")
    else:
        text = _read_body(environ).decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text else {}
        except ValueError:
            parsed = text
    return RecordedRequest(
        operation=request.operation,
        body=parsed,
        account=get_account_id_from(request.access_key),
        region=request.region,
    )


def error_response(
    request: ApiRequest, code: str, message: str, status: int, extra: dict[str, Any] | None = None
) -> Response:
    """An error in the shape the caller's protocol expects, so botocore parses its code (and the
    error shape's own members, `extra`, such as ModelError's OriginalStatusCode)."""
    request_id = str(uuid.uuid4())
    if request.protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message, **(extra or {})})
        return Response(
            body,
            status=status,
            headers={"x-amzn-ErrorType": code, "x-amzn-RequestId": request_id},
            content_type=JSON_CONTENT_TYPE if request.protocol == "json" else REST_JSON_CONTENT_TYPE,
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

    def __init__(self, control: ControlState | None = None, port: int | None = None, exposed: bool = False) -> None:
        self.control = control or ControlState()
        self.sagemaker = SageMakerLayer(self.control)
        self.moto = DomainDispatcherApplication(_answering_unknown_actions)
        self.port = port
        """The port the server listens on, which the control interface's Host must name."""
        self.exposed = exposed
        """Bound beyond loopback on purpose (`--unsafe-expose`): any Host may call the control interface."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self.control_app(environ, start_response)
        request = identify(environ)
        self.control.calls.count(request.operation)
        if request.service in SERVICE_OPERATIONS and request.protocol in ("json", "rest-json"):
            self.control.requests.record(_recorded(request, environ))
        fault = self.control.faults.take_error(request.operation)
        if fault is None:
            return self._serve(request, environ, start_response)
        if fault.after_serving:
            for _ in self._serve(request, environ, lambda *_: None):  # acted on, response dropped
                pass
        return error_response(request, fault.code, fault.message, fault.status)(environ, start_response)

    def _serve(self, request: ApiRequest, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if request.protocol == "rest-json":
            return self._runtime(request, environ)(environ, start_response)
        if request.service == "sagemaker" and request.protocol == "json":
            return self._sagemaker(request, environ)(environ, start_response)
        if request.service == "sagemaker" and not _raw_path(environ).endswith(MOTO_SAGEMAKER_REST_PATHS):
            # Signed as SageMaker, but no runtime operation has this method and path: moto's
            # SageMaker app would answer an HTML 404 page.
            rest = ApiRequest(request.service, request.action, "rest-json", request.region, request.access_key)
            message = f"sagestack local answers no SageMaker operation at {request.action} {_raw_path(environ)}"
            return error_response(rest, "UnknownOperationException", message, 400)(environ, start_response)
        return self.moto(environ, start_response)

    def _sagemaker(self, request: ApiRequest, environ: dict[str, Any]) -> Response:
        try:
            body = json.loads(_read_body(environ) or b"{}")
        except ValueError as error:
            return error_response(request, "SerializationException", f"Malformed JSON body: {error}", 400)
        route = self.sagemaker.route(request.action, body)
        if route == "moto":
            return Response.from_app(self.moto, environ)
        try:
            if route == "unknown":
                raise UnknownOperation(_unknown_message("sagemaker", request.action))
            answer = self.sagemaker.handle(
                request.action, body, get_account_id_from(request.access_key), request.region
            )
        except SageMakerError as error:
            return error_response(request, error.code, error.message, error.status, error.extra())
        except (KeyError, TypeError, ValueError) as error:
            return error_response(request, "ValidationException", f"Malformed request: {error!r}", 400)
        return Response(
            json.dumps(answer), headers={"x-amzn-RequestId": str(uuid.uuid4())}, content_type=JSON_CONTENT_TYPE
        )

    def _runtime(self, request: ApiRequest, environ: dict[str, Any]) -> Response:
        operation = restjson.find(request.service, request.action)
        try:
            if not self.sagemaker.handles(request.action, request.service):
                raise UnknownOperation(_unknown_message(request.service, request.action))
            answer = self.sagemaker.handle(
                request.action,
                _runtime_input(request, environ),
                get_account_id_from(request.access_key),
                request.region,
                service=request.service,
            )
        except SageMakerError as error:
            code = "ValidationError" if error.code == "ValidationException" else error.code
            return error_response(request, code, error.message, error.status, error.extra())
        except (KeyError, TypeError, ValueError) as error:
            return error_response(request, "ValidationError", f"Malformed request: {error!r}", 400)
        status, headers, body = restjson.serialize(operation, answer)
        return Response(body, status=status, headers={**headers, "x-amzn-RequestId": str(uuid.uuid4())})

    # --- control interface --------------------------------------------------------------------

    def control_app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal(environ, start_response)
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

    def _refusal(self, request: Request) -> Response | None:
        """Why a control request is refused (see the module docstring), or None."""
        if not self.exposed and not self._own_host(request.environ.get("HTTP_HOST", "")):
            return _json(
                {"error": f"the control interface answers only Host 127.0.0.1:{self.port} or localhost:{self.port}"},
                403,
            )
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype != "application/json":
            return _json({"error": "the control interface takes Content-Type: application/json"}, 415)
        return None

    def _own_host(self, host: str) -> bool:
        """Whether a Host header names this server on a loopback address (and its port)."""
        try:
            parts = urlsplit(f"//{host}")
            name, port = parts.hostname, parts.port or 80
        except ValueError:
            return False
        if name is None or (self.port is not None and port != self.port):
            return False
        return is_loopback(name)

    def _routes(self) -> dict[tuple[str, str], Callable[[dict[str, Any]], Any]]:
        control = self.control
        return {
            ("GET", "health"): lambda _: {
                "ok": True,
                "pid": os.getpid(),
                "sagemaker_operations": sorted(OPERATIONS),
                "runtime_operations": sorted(
                    f"{service}:{name}"
                    for service, ops in SERVICE_OPERATIONS.items()
                    if service != "sagemaker"
                    for name in ops
                ),
            },
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
            ("GET", "responders"): lambda _: {"responders": control.responders.snapshot()},
            ("POST", "responders"): self._responder,
            ("DELETE", "responders"): lambda _: control.responders.clear() or {"responders": {}},
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

    def _responder(self, payload: dict[str, Any]) -> dict[str, Any]:
        responder = ResponderConfig.model_validate(payload)
        self.control.responders.set(responder.endpoint, responder)
        return responder.model_dump()


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) is this machine's loopback."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ExposureRefused(ValueError):
    """Binding beyond loopback without `unsafe_expose`."""


def _unknown_message(service: str, action: str) -> str:
    return (
        f"sagestack local does not emulate {service} operation {action} "
        f"(GET {CONTROL_PREFIX}health lists the SageMaker operations it answers)"
    )


def _answering_unknown_actions(service: Any) -> Flask:
    """moto's app for a service, answering an action moto lacks as AWS would (a 400 in the
    protocol's error shape) instead of Flask's 500 page, which botocore retries for seconds."""
    app = create_backend_app(service)

    def unknown(error: NotImplementedError) -> Response:
        # Flask has read the body by now: the protocol comes from what it parsed.
        environ = flask_request.environ
        request = identify(environ)
        if flask_request.values.get("Action"):
            protocol = "query"
        elif request.protocol == "json" or flask_request.mimetype in ("application/json", JSON_CONTENT_TYPE):
            protocol = "json" if request.protocol == "json" else "rest-json"
        else:
            protocol = "rest"
        request = ApiRequest(request.service, request.action, protocol, request.region, request.access_key)
        code = "InvalidAction" if protocol == "query" else "UnknownOperationException"
        return error_response(request, code, f"sagestack local (moto) does not implement this action: {error}", 400)

    app.register_error_handler(NotImplementedError, unknown)
    return app


def make_local_server(
    host: str, port: int, control: ControlState, *, unsafe_expose: bool = False
) -> tuple[BaseWSGIServer, LocalAws]:
    """Bind the local AWS (refusing a non-loopback address unless `unsafe_expose`)."""
    if not is_loopback(host) and not unsafe_expose:
        raise ExposureRefused(
            f"refusing to serve on {host}: the local AWS has no authentication and its control interface "
            "changes what it answers; bind a loopback address, or pass --unsafe-expose to serve anyway"
        )
    app = LocalAws(control, exposed=not is_loopback(host))
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    app.port = server.server_port
    return server, app


def serve(host: str, port: int, control: ControlState, verbose: bool = False, unsafe_expose: bool = False) -> None:
    """Serve the local AWS until the process is killed; prints the endpoint URL first."""
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.WARNING)
    server, app = make_local_server(host, port, control, unsafe_expose=unsafe_expose)
    if app.exposed:
        print(
            f"WARNING: sagestack local is serving on {host}, beyond this machine's loopback, with "
            "--unsafe-expose: anyone who can reach this port can create, read and delete its resources and "
            "drive its control interface (reset, faults, responders), from any Host name.",
            file=sys.stderr,
            flush=True,
        )
    print(f"sagestack local: serving the local AWS at http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()


def serve_in_thread(control: ControlState | None = None, port: int = 0) -> tuple[BaseWSGIServer, LocalAws]:
    """Serve the local AWS on 127.0.0.1 from a daemon thread of this process, so a test can reach
    its objects (register a Python model with `app.control.responders.set`); stop it with
    `server.shutdown()`. It shares this process's moto backends."""
    server, app = make_local_server("127.0.0.1", port, control or ControlState())
    threading.Thread(target=server.serve_forever, name="sagestack-local", daemon=True).start()
    return server, app
