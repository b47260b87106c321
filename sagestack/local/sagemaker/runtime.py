"""The SageMaker runtime (`sagemaker-runtime`): InvokeEndpoint and InvokeEndpointAsync.

An endpoint answers while it serves (InService, and during an update on its current variants);
a missing endpoint, or one Creating, Failed or Deleting, is refused with the runtime's
`ValidationError: Endpoint X of account Y not found.`. The model behind it is a responder
(`control.Responders`): echo by default, a fixed body or a model error set through the control
interface, or a Python callable a test registers in-process.

A variant is picked by TargetVariant, else by weight (a deterministic weighted round robin, so a
test sees the split it configured). With data capture enabled in the deployed config, each
sampled invocation is written to the capture destination in moto's S3, one JSON-lines file per
invocation under `<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/`, in SageMaker's capture
record format. An async endpoint reads the input from S3 and writes the output (or the failure)
at once: there is no queue.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from moto.s3.models import s3_backends

from sagestack.local.control import Invocation, ModelFailure, Reply

from .core import LOCK, RUNTIME, Call, Record, operation
from .errors import ModelError, RuntimeValidationError
from .hosting import DEPLOYED, ENDPOINT, SERVING

LOG = logging.getLogger(__name__)


def _endpoint(call: Call, name: str) -> tuple[Record, dict[str, Any]]:
    record = call.store.find(ENDPOINT, name, call.now)
    state = record.state(call.now) if record is not None else {}
    if record is None or state.get("EndpointStatus") not in SERVING:
        raise RuntimeValidationError(f"Endpoint {name} of account {call.account} not found.")
    return record, state


def _variant(record: Record, state: dict[str, Any], target: str | None) -> str:
    variants = state["ProductionVariants"]
    if target is not None:
        if target not in {v["VariantName"] for v in variants}:
            raise RuntimeValidationError(f"Variant {target} does not exist for endpoint {record.name}.")
        return target
    weights = {v["VariantName"]: float(v.get("CurrentWeight", 1.0)) for v in variants}
    if sum(weights.values()) <= 0:
        raise RuntimeValidationError(f"Endpoint {record.name} has no variant with a positive weight.")
    # Smooth weighted round robin: every variant's credit grows by its weight; the richest serves
    # and pays the total back. Over sum(weights) calls each variant serves in proportion.
    credit: dict[str, float] = record.data.setdefault("routing", {})
    for name, weight in weights.items():
        credit[name] = credit.get(name, 0.0) + weight
    chosen = max(weights, key=lambda name: credit[name])
    credit[chosen] -= sum(weights.values())
    return chosen


def _reply(call: Call, record: Record, invocation: Invocation) -> Reply:
    try:
        return call.control.responders.answer(invocation)
    except ModelFailure as failure:
        kind = "client" if failure.status < 500 else "server"
        group = f"/aws/sagemaker/Endpoints/{record.name}"
        raise ModelError(
            f'Received {kind} error ({failure.status}) from primary with message "{failure.message}". '
            f"See https://{call.region}.console.aws.amazon.com/cloudwatch/home?region={call.region}"
            f"#logEventViewer:group={group} in account {call.account} for more information.",
            failure.status,
            failure.message,
            f"arn:aws:logs:{call.region}:{call.account}:log-group:{group}",
        ) from None


@operation("InvokeEndpoint", RUNTIME, locked=False)
def invoke_endpoint(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    with LOCK:
        record, state = _endpoint(call, body["EndpointName"])
        deployed = state[DEPLOYED]
        if deployed.get("AsyncInferenceConfig"):
            raise RuntimeValidationError(
                f"Endpoint {record.name} is an asynchronous endpoint: invoke it with InvokeEndpointAsync."
            )
        variant = _variant(record, state, body.get("TargetVariant"))
    invocation = Invocation(
        endpoint=record.name,
        variant=variant,
        body=body["Body"],
        content_type=body.get("ContentType"),
        accept=body.get("Accept"),
        custom_attributes=body.get("CustomAttributes"),
        target_model=body.get("TargetModel"),
        inference_id=body.get("InferenceId"),
    )
    reply = _reply(call, record, invocation)
    with LOCK:
        _capture(call, record, deployed, invocation, reply)
    answer: dict[str, Any] = {
        "Body": reply.body,
        "ContentType": reply.content_type,
        "InvokedProductionVariant": invocation.variant,
    }
    if reply.custom_attributes is not None:
        answer["CustomAttributes"] = reply.custom_attributes
    return answer


@operation("InvokeEndpointAsync", RUNTIME, locked=False)
def invoke_endpoint_async(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    with LOCK:
        record, state = _endpoint(call, body["EndpointName"])
        config = state[DEPLOYED].get("AsyncInferenceConfig")
        if not config:
            raise RuntimeValidationError(f"Endpoint {record.name} is not an asynchronous endpoint.")
        variant = _variant(record, state, None)
    inference_id = body.get("InferenceId") or str(uuid.uuid4())
    output = config["OutputConfig"]
    extension = (body.get("S3OutputPathExtension") or "").strip("/")
    base = "/".join(part for part in (output["S3OutputPath"].rstrip("/"), extension) if part)
    output_uri = f"{base}/{body.get('Filename') or inference_id + '.out'}"
    failure_base = output.get("S3FailurePath")
    failure_uri = f"{failure_base.rstrip('/')}/{inference_id}-error.out" if failure_base else None
    answer: dict[str, Any] = {"InferenceId": inference_id, "OutputLocation": output_uri}
    if failure_uri:
        answer["FailureLocation"] = failure_uri
    payload = _s3_read(call, body["InputLocation"])
    if payload is None:
        # Accepted all the same: the service reads the input later and reports the failure there.
        _s3_write(call, failure_uri, f"Could not read the input at {body['InputLocation']}.".encode())
        return answer
    invocation = Invocation(
        endpoint=record.name,
        variant=variant,
        body=payload,
        content_type=body.get("ContentType"),
        accept=body.get("Accept"),
        custom_attributes=body.get("CustomAttributes"),
        inference_id=inference_id,
    )
    try:
        _s3_write(call, output_uri, _reply(call, record, invocation).body)
    except ModelError as error:
        _s3_write(call, failure_uri, error.message.encode())
    return answer


# --- S3 (moto's, in the same process) --------------------------------------------------------


def _split(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise RuntimeValidationError(f"{uri} is not an S3 URI (s3://bucket/key).")
    return parsed.netloc, parsed.path.lstrip("/")


def _s3_read(call: Call, uri: str) -> bytes | None:
    bucket, key = _split(uri)
    try:
        found = s3_backends[call.account]["aws"].get_object(bucket, key)
    except Exception:  # moto raises its own error classes for a missing bucket or key
        return None
    return bytes(found.value) if found is not None else None


def _s3_write(call: Call, uri: str | None, data: bytes) -> bool:
    """Write to moto's S3; a missing bucket loses the object (SageMaker cannot write there either)."""
    if uri is None:
        return False
    bucket, key = _split(uri)
    try:
        s3_backends[call.account]["aws"].put_object(bucket, key, data)
    except Exception as error:  # a missing bucket: moto's MissingBucket
        LOG.warning("sagestack local: could not write %s: %s", uri, error)
        return False
    return True


# --- data capture -----------------------------------------------------------------------------


def _encoded(data: bytes, content_type: str | None, header: dict[str, Any]) -> tuple[str, str]:
    """How capture stores a payload: as text for the configured CSV and JSON content types,
    else base64 (SageMaker's default when no content type header is configured)."""
    kind = (content_type or "").split(";", 1)[0].strip()
    for encoding, types in (("CSV", header.get("CsvContentTypes")), ("JSON", header.get("JsonContentTypes"))):
        if kind in (types or []):
            try:
                return data.decode(), encoding
            except UnicodeDecodeError:
                break
    return base64.b64encode(data).decode(), "BASE64"


def _sampled(record: Record, percentage: int) -> bool:
    """Deterministic sampling: of every 100 invocations, `percentage` are captured, evenly spread."""
    count = record.data.get("captured_calls", 0)
    record.data["captured_calls"] = count + 1
    return (count + 1) * percentage // 100 > count * percentage // 100


def _capture(call: Call, record: Record, deployed: dict[str, Any], invocation: Invocation, reply: Reply) -> None:
    capture = deployed.get("DataCaptureConfig")
    if not capture or not capture.get("EnableCapture", True):
        return
    if not _sampled(record, int(capture["InitialSamplingPercentage"])):
        return
    modes = {option["CaptureMode"] for option in capture["CaptureOptions"]}
    header = capture.get("CaptureContentTypeHeader") or {}
    data: dict[str, Any] = {}
    for mode, payload, content_type, key in (
        ("Input", invocation.body, invocation.content_type, "endpointInput"),
        ("Output", reply.body, reply.content_type, "endpointOutput"),
    ):
        if mode in modes:
            text, encoding = _encoded(payload, content_type, header)
            data[key] = {
                "observedContentType": content_type or "",
                "mode": mode.upper(),
                "data": text,
                "encoding": encoding,
            }
    when = datetime.fromtimestamp(call.now, UTC)
    event_id = str(uuid.uuid4())
    line = {
        "captureData": data,
        "eventMetadata": {
            "eventId": event_id,
            "inferenceTime": when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            **({"inferenceId": invocation.inference_id} if invocation.inference_id else {}),
        },
        "eventVersion": "0",
    }
    folder = f"{capture['DestinationS3Uri'].rstrip('/')}/{record.name}/{invocation.variant}/{when:%Y/%m/%d/%H}"
    name = f"{when:%M-%S}-{when.microsecond // 1000:03d}-{event_id}.jsonl"
    _s3_write(call, f"{folder}/{name}", (json.dumps(line) + "\n").encode())
