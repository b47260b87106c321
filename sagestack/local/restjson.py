"""The REST-JSON protocol of SageMaker's runtime APIs, read from botocore's service models.

`sagemaker-runtime` and `sagemaker-featurestore-runtime` sign their requests as `sagemaker`, like
the control plane, but carry no X-Amz-Target: the operation is the HTTP method and path
(`POST /endpoints/{EndpointName}/invocations`, `PUT /FeatureGroup/{FeatureGroupName}`). `match`
finds the operation of a request; `parse` turns it into the operation's input members (from the
path, the query string, headers and the body, as the model places each); `serialize` puts an
answer's members where the output shape says (headers, a raw payload or a JSON body).
"""

from __future__ import annotations

import base64
import functools
import json
import re
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qs, unquote

import botocore.session
from botocore.model import OperationModel, Shape, StructureShape

RUNTIME_SERVICES = ("sagemaker-runtime", "sagemaker-featurestore-runtime")


@dataclass(frozen=True)
class RestOperation:
    service: str
    name: str
    method: str
    pattern: re.Pattern[str]
    model: OperationModel


def _pattern(request_uri: str) -> re.Pattern[str]:
    path = request_uri.split("?", 1)[0]
    regex = ""
    for literal, label in re.findall(r"([^{]*)(?:\{([^}]+)\})?", path):
        regex += re.escape(literal)
        if label:
            greedy = label.endswith("+")
            regex += f"(?P<{label.rstrip('+')}>{'.+' if greedy else '[^/]+'})"
    return re.compile(regex)


@functools.cache
def operations() -> tuple[RestOperation, ...]:
    session = botocore.session.get_session()
    found: list[RestOperation] = []
    for service in RUNTIME_SERVICES:
        model = session.get_service_model(service)
        for name in cast(list[str], model.operation_names):
            operation = model.operation_model(name)
            http = cast(dict[str, Any], operation.http)
            found.append(RestOperation(service, name, http["method"], _pattern(http["requestUri"]), operation))
    return tuple(found)


def find(service: str, name: str) -> RestOperation:
    return next(op for op in operations() if (op.service, op.name) == (service, name))


def match(method: str, raw_path: str) -> tuple[RestOperation, dict[str, str]] | None:
    """The runtime operation a request names, and its path labels (still percent-encoded)."""
    for operation in operations():
        found = operation.pattern.fullmatch(raw_path)
        if found and operation.method == method:
            return operation, found.groupdict()
    return None


def _members(shape: Shape | None) -> dict[str, Shape]:
    return cast(dict[str, Shape], shape.members) if isinstance(shape, StructureShape) else {}


def _typed(text: str, shape: Shape) -> Any:
    if shape.type_name in ("integer", "long"):
        return int(text)
    if shape.type_name in ("float", "double"):
        return float(text)
    if shape.type_name == "boolean":
        return text.lower() == "true"
    return text


def parse(
    operation: RestOperation, labels: dict[str, str], query: str, headers: dict[str, str], body: bytes
) -> dict[str, Any]:
    """The input members of a request. `headers` are keyed lower-case."""
    shape = cast(Shape | None, operation.model.input_shape)
    members = _members(shape)
    params = parse_qs(query, keep_blank_values=True)
    payload = cast(dict[str, Any], shape.serialization).get("payload") if shape is not None else None
    answer: dict[str, Any] = {}
    for name, member in members.items():
        where = cast(dict[str, Any], member.serialization)
        location, wire = where.get("location"), where.get("name", name)
        if location == "uri" and wire in labels:
            answer[name] = unquote(labels[wire])
        elif location == "querystring" and wire in params:
            got = params[wire]
            answer[name] = got if member.type_name == "list" else _typed(got[0], member)
        elif location == "header" and wire.lower() in headers:
            answer[name] = _typed(headers[wire.lower()], member)
    if payload is not None:
        if members[payload].type_name == "blob":
            answer[payload] = body
        elif body:
            answer[payload] = json.loads(body)
    elif body:
        located = {name for name, m in members.items() if cast(dict[str, Any], m.serialization).get("location")}
        answer |= {key: value for key, value in json.loads(body).items() if key in members and key not in located}
    return answer


def serialize(operation: RestOperation, answer: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of an answer."""
    shape = cast(Shape | None, operation.model.output_shape)
    members = _members(shape)
    payload = cast(dict[str, Any], shape.serialization).get("payload") if shape is not None else None
    headers: dict[str, str] = {}
    document: dict[str, Any] = {}
    body = b""
    for name, value in answer.items():
        member = members[name]
        where = cast(dict[str, Any], member.serialization)
        if where.get("location") == "header":
            headers[where.get("name", name)] = str(value)
        elif name == payload and member.type_name == "blob":
            body = bytes(value)
        else:
            document[name] = base64.b64encode(value).decode() if isinstance(value, bytes) else value
    if payload is None or members[payload].type_name != "blob":
        body = json.dumps(document).encode()
        headers.setdefault("Content-Type", "application/json")
    status = int(cast(dict[str, Any], operation.model.http).get("responseCode", 200))
    return status, headers, body
