"""Models, endpoint configs and endpoints.

Models and endpoint configs have no status: they exist or not. Endpoints move
Creating -> InService (or Failed), Updating -> InService on the new config, or, when a
RollbackFault is armed, Updating -> RollingBack -> InService on the *old* config with a
FailureReason (what a deployment guardrail does), and Deleting -> gone.

An endpoint deploys a snapshot of its config (`DEPLOYED` in its state): SageMaker lets a config
be deleted while an endpoint serves it, and the runtime (`runtime.py`) serves that snapshot's
variants, data capture and async settings. The images are resolved to digests when deployed
(`DeployedImages`), as SageMaker pins what it pulled.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from .core import Call, Phase, Record, always, echo, listing, operation, tag_map
from .errors import ValidationError

MODEL = "model"
ENDPOINT_CONFIG = "endpoint_config"
ENDPOINT = "endpoint"
DEPLOYED = "_deployed"
"""State key of the config snapshot an endpoint serves (private: no describe member starts with _)."""
SERVING = ("InService", "Updating", "SystemUpdating", "RollingBack", "UpdateRollbackFailed")
"""Statuses in which an endpoint answers invocations (an update keeps serving the old variants)."""
S3_URI = re.compile(r"(https|s3)://([^/])/?(.*)")
MODEL_DEFAULTS = always("DescribeModel", EnableNetworkIsolation=False)


LABELS = {
    MODEL: ("model", "model"),
    ENDPOINT_CONFIG: ("endpoint configuration", "endpoint-config"),
    ENDPOINT: ("endpoint", "endpoint"),
}
"""kind -> (the noun SageMaker's messages use, the ARN resource type)."""


def _arn(call: Call, kind: str, name: str) -> str:
    return call.arn(f"{LABELS[kind][1]}/{name.lower()}")


def _create(call: Call, body: dict[str, Any], kind: str, name_field: str) -> Record:
    name = body[name_field]
    arn = _arn(call, kind, name)
    if call.store.find(kind, name, call.now) is not None:
        raise ValidationError(f'Cannot create already existing {LABELS[kind][0]} "{arn}".')
    record = Record(kind, name, arn, call.now, body, tags=tag_map(body.get("Tags")))
    call.store.add(record)
    return record


def _find(call: Call, kind: str, name: str) -> Record:
    record = call.store.find(kind, name, call.now)
    if record is None:
        raise ValidationError(f'Could not find {LABELS[kind][0]} "{_arn(call, kind, name)}".')
    return record


# --- models ---------------------------------------------------------------------------------


@operation("CreateModel")
def create_model(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    if not body.get("PrimaryContainer") and not body.get("Containers"):
        raise ValidationError("Either PrimaryContainer or Containers must be specified.")
    return {"ModelArn": _create(call, body, MODEL, "ModelName").arn}


def describe_model_record(record: Record) -> dict[str, Any]:
    answer = MODEL_DEFAULTS | echo(record.request, "DescribeModel")
    return answer | {"ModelName": record.name, "ModelArn": record.arn, "CreationTime": record.created}


@operation("DescribeModel")
def describe_model(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return describe_model_record(_find(call, MODEL, body["ModelName"]))


@operation("ListModels")
def list_models(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return listing(
        call.store.all(MODEL, call.now),
        body,
        "Models",
        describe_model_record,
        ("ModelName", "ModelArn", "CreationTime"),
        sort_fields={"Name": "ModelName", "CreationTime": "CreationTime"},
    )


@operation("DeleteModel")
def delete_model(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    _find(call, MODEL, body["ModelName"]).delete(call.now)
    return {}


# --- endpoint configs -----------------------------------------------------------------------


@operation("CreateEndpointConfig")
def create_endpoint_config(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    variants = body["ProductionVariants"] + body.get("ShadowProductionVariants", [])
    for variant in variants:
        if variant.get("ModelName"):
            _find(call, MODEL, variant["ModelName"])
    names = [variant["VariantName"] for variant in variants]
    if len(set(names)) != len(names):
        raise ValidationError("Variant names must be unique within an endpoint configuration.")
    output = (body.get("AsyncInferenceConfig") or {}).get("OutputConfig") or {}
    for where, uri in (
        ("DataCaptureConfig.DestinationS3Uri", (body.get("DataCaptureConfig") or {}).get("DestinationS3Uri")),
        ("AsyncInferenceConfig.OutputConfig.S3OutputPath", output.get("S3OutputPath")),
        ("AsyncInferenceConfig.OutputConfig.S3FailurePath", output.get("S3FailurePath")),
    ):
        # The runtime writes there (data capture, async answers): the model's pattern, checked now.
        if uri is not None and not S3_URI.fullmatch(uri):
            raise ValidationError(
                f"1 validation error detected: Value '{uri}' at '{where}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {S3_URI.pattern}"
            )
    record = _create(call, body, ENDPOINT_CONFIG, "EndpointConfigName")
    return {"EndpointConfigArn": record.arn}


def _find_config(call: Call, name: str) -> Record:
    return _find(call, ENDPOINT_CONFIG, name)


def _weighted(variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Variants as SageMaker stores them: the weight defaults to 1.0 and is always answered."""
    return [
        {**variant, "InitialVariantWeight": float(variant.get("InitialVariantWeight", 1.0))} for variant in variants
    ]


def describe_config_record(record: Record) -> dict[str, Any]:
    answer = echo(record.request, "DescribeEndpointConfig")
    answer["ProductionVariants"] = _weighted(answer["ProductionVariants"])
    if "ShadowProductionVariants" in answer:
        answer["ShadowProductionVariants"] = _weighted(answer["ShadowProductionVariants"])
    return answer | {"EndpointConfigName": record.name, "EndpointConfigArn": record.arn, "CreationTime": record.created}


@operation("DescribeEndpointConfig")
def describe_endpoint_config(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return describe_config_record(_find_config(call, body["EndpointConfigName"]))


@operation("ListEndpointConfigs")
def list_endpoint_configs(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return listing(
        call.store.all(ENDPOINT_CONFIG, call.now),
        body,
        "EndpointConfigs",
        describe_config_record,
        ("EndpointConfigName", "EndpointConfigArn", "CreationTime"),
        sort_fields={"Name": "EndpointConfigName", "CreationTime": "CreationTime"},
    )


@operation("DeleteEndpointConfig")
def delete_endpoint_config(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    _find_config(call, body["EndpointConfigName"]).delete(call.now)
    return {}


# --- endpoints ------------------------------------------------------------------------------


_COPIED = ("ManagedInstanceScaling", "RoutingConfig")
"""ProductionVariant members that a variant summary reports as configured (the same shapes)."""
_PENDING_COPIED = ("InstanceType", "AcceleratorType", *_COPIED)
"""The same for a PendingProductionVariantSummary, which also reports the instance type."""


def _resolved(image: str) -> str:
    """The digest form of an image reference, as SageMaker reports what it pulled: the tag is
    replaced by a digest (a stable stand-in here: no registry is asked)."""
    if "@sha256:" in image:
        return image
    name, _, tag = image.rpartition(":")
    repository = name if name and "/" not in tag else image
    return f"{repository}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


def _images(call: Call, model_name: str | None) -> list[dict[str, Any]]:
    """DeployedImages of a variant: each container image of its model, resolved now."""
    model = call.store.find(MODEL, model_name, call.now) if model_name else None
    if model is None:
        return []
    containers = model.request.get("Containers") or [model.request.get("PrimaryContainer") or {}]
    return [
        {"SpecifiedImage": c["Image"], "ResolvedImage": _resolved(c["Image"]), "ResolutionTime": call.now}
        for c in containers
        if c.get("Image")
    ]


def _summary(call: Call, variant: dict[str, Any], pending: bool = False) -> dict[str, Any]:
    """The ProductionVariantSummary of one configured variant (a pending one's shape is narrower)."""
    weight = float(variant.get("InitialVariantWeight", 1.0))
    summary: dict[str, Any] = {
        "VariantName": variant["VariantName"],
        "DeployedImages": _images(call, variant.get("ModelName")),
        "CurrentWeight": weight,
        "DesiredWeight": weight,
    }
    if "ServerlessConfig" in variant:
        summary["CurrentServerlessConfig"] = variant["ServerlessConfig"]
        summary["DesiredServerlessConfig"] = variant["ServerlessConfig"]
    else:
        count = int(variant.get("InitialInstanceCount", 1))
        summary["CurrentInstanceCount"] = count
        summary["DesiredInstanceCount"] = count
    for key in _PENDING_COPIED if pending else _COPIED:
        if key in variant:
            summary[key] = variant[key]
    if pools := variant.get("InstancePools"):
        # The instances run in the pool of first priority (a lower Priority comes first).
        ordered = sorted(pools, key=lambda pool: pool.get("Priority", 0))
        summary["InstancePools"] = [
            {
                "InstanceType": pool["InstanceType"],
                "CurrentInstanceCount": summary.get("CurrentInstanceCount", 0) if i == 0 else 0,
            }
            for i, pool in enumerate(ordered)
        ]
    if not pending and (reservation := variant.get("CapacityReservationConfig")):
        summary["CapacityReservationConfig"] = dict(reservation)  # the configured part of the summary
    if pending:
        # The pending summary of an update: its variants are being created.
        summary["VariantStatus"] = [{"Status": "Creating", "StartTime": call.now}]
    return summary


def _capture_summary(config: dict[str, Any]) -> dict[str, Any] | None:
    capture = config.get("DataCaptureConfig")
    if not capture:
        return None
    enabled = bool(capture.get("EnableCapture", True))
    summary: dict[str, Any] = {
        "EnableCapture": enabled,
        "CaptureStatus": "Started" if enabled else "Stopped",
        "CurrentSamplingPercentage": int(capture["InitialSamplingPercentage"]),
        "DestinationS3Uri": capture["DestinationS3Uri"],
    }
    if capture.get("KmsKeyId"):
        summary["KmsKeyId"] = capture["KmsKeyId"]
    return summary


def _in_service(call: Call, config: dict[str, Any], variants: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The state of an endpoint serving `config` (a config request, snapshotted): every
    config-derived member DescribeEndpoint answers, and the snapshot itself for the runtime."""
    shadows = config.get("ShadowProductionVariants")
    return {
        "EndpointStatus": "InService",
        "EndpointConfigName": config["EndpointConfigName"],
        "ProductionVariants": variants
        if variants is not None
        else [_summary(call, v) for v in config["ProductionVariants"]],
        "ShadowProductionVariants": [_summary(call, v) for v in shadows] if shadows else None,
        "DataCaptureConfig": _capture_summary(config),
        "AsyncInferenceConfig": config.get("AsyncInferenceConfig"),
        "ExplainerConfig": config.get("ExplainerConfig"),
        "MetricsConfig": config.get("MetricsConfig"),
        "CrossRegionTrafficConfig": config.get("CrossRegionTrafficConfig"),
        "PendingDeploymentSummary": None,
        DEPLOYED: config,
    }


def _find_endpoint(call: Call, name: str) -> Record:
    return _find(call, ENDPOINT, name)


@operation("CreateEndpoint")
def create_endpoint(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    config = _find_config(call, body["EndpointConfigName"])
    record = _create(call, body, ENDPOINT, "EndpointName")
    record.data["deployment"] = body.get("DeploymentConfig")
    creating = {"EndpointStatus": "Creating", "EndpointConfigName": config.name}
    reason = call.faults.take_failure(ENDPOINT, record.name)
    failed = {"EndpointStatus": "Failed", "FailureReason": reason}
    last = failed if reason is not None else _in_service(call, config.request)
    record.timeline.plan(call.now, [(creating, call.durations.endpoint.creating), (last, None)])
    return {"EndpointArn": record.arn}


def _require_in_service(call: Call, record: Record) -> dict[str, Any]:
    state = record.state(call.now)
    if state["EndpointStatus"] != "InService":
        raise ValidationError(f'Cannot update in-progress endpoint "{record.arn}".')
    return state


@operation("UpdateEndpoint")
def update_endpoint(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find_endpoint(call, body["EndpointName"])
    state = _require_in_service(call, record)
    new_config = _find_config(call, body["EndpointConfigName"])
    if "DeploymentConfig" in body or not body.get("RetainDeploymentConfig"):
        record.data["deployment"] = body.get("DeploymentConfig")
    d = call.durations.endpoint
    pending: dict[str, Any] = {
        "EndpointConfigName": new_config.name,
        "ProductionVariants": [_summary(call, v, pending=True) for v in new_config.request["ProductionVariants"]],
        "StartTime": call.now,
    }
    if shadows := new_config.request.get("ShadowProductionVariants"):
        pending["ShadowProductionVariants"] = [_summary(call, v, pending=True) for v in shadows]
    updating = {"EndpointStatus": "Updating", "FailureReason": None, "PendingDeploymentSummary": pending}
    reason = call.faults.take_rollback(record.name)
    phases: list[Phase] = [(updating, d.updating)]
    if reason is not None:
        phases.append(({"EndpointStatus": "RollingBack", "FailureReason": reason}, d.rolling_back))
        phases.append((_in_service(call, state[DEPLOYED], state.get("ProductionVariants")), None))
    else:
        phases.append((_in_service(call, new_config.request), None))
    record.timeline.plan(call.now, phases)
    return {"EndpointArn": record.arn}


@operation("UpdateEndpointWeightsAndCapacities")
def update_weights(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find_endpoint(call, body["EndpointName"])
    state = _require_in_service(call, record)
    variants = {v["VariantName"]: dict(v) for v in state["ProductionVariants"]}
    for desired in body["DesiredWeightsAndCapacities"]:
        variant = variants.get(desired["VariantName"])
        if variant is None:
            raise ValidationError(
                f'The variant name(s) [{desired["VariantName"]}] is/are not present in the endpoint "{record.arn}".'
            )
        if "DesiredWeight" in desired:
            variant["CurrentWeight"] = variant["DesiredWeight"] = float(desired["DesiredWeight"])
        if "DesiredInstanceCount" in desired:
            count = int(desired["DesiredInstanceCount"])
            variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"] = count
    record.timeline.plan(
        call.now,
        [
            ({"EndpointStatus": "Updating"}, call.durations.endpoint.updating),
            ({"EndpointStatus": "InService", "ProductionVariants": list(variants.values())}, None),
        ],
    )
    return {"EndpointArn": record.arn}


_ENDPOINT_STATE_MEMBERS = (
    "ProductionVariants",
    "DataCaptureConfig",
    "FailureReason",
    "AsyncInferenceConfig",
    "PendingDeploymentSummary",
    "ExplainerConfig",
    "ShadowProductionVariants",
    "MetricsConfig",
    "CrossRegionTrafficConfig",
)


def describe_endpoint_record(call: Call, record: Record) -> dict[str, Any]:
    state = record.state(call.now)
    answer: dict[str, Any] = {
        "EndpointName": record.name,
        "EndpointArn": record.arn,
        "EndpointConfigName": state["EndpointConfigName"],
        "EndpointStatus": state["EndpointStatus"],
        "CreationTime": record.created,
        "LastModifiedTime": record.timeline.transitions("EndpointStatus", call.now)[-1][1],
    }
    for key in _ENDPOINT_STATE_MEMBERS:
        if state.get(key):
            answer[key] = state[key]
    if record.data.get("deployment"):
        answer["LastDeploymentConfig"] = record.data["deployment"]
    return answer


@operation("DescribeEndpoint")
def describe_endpoint(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return describe_endpoint_record(call, _find_endpoint(call, body["EndpointName"]))


@operation("ListEndpoints")
def list_endpoints(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return listing(
        call.store.all(ENDPOINT, call.now),
        body,
        "Endpoints",
        lambda record: describe_endpoint_record(call, record),
        ("EndpointName", "EndpointArn", "CreationTime", "LastModifiedTime", "EndpointStatus"),
        sort_fields={"Name": "EndpointName", "CreationTime": "CreationTime", "Status": "EndpointStatus"},
        status_field=("StatusEquals", "EndpointStatus"),
    )


@operation("DeleteEndpoint")
def delete_endpoint(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find_endpoint(call, body["EndpointName"])
    status = record.state(call.now)["EndpointStatus"]
    if status in ("Creating", "Updating", "SystemUpdating", "RollingBack"):
        # SageMaker keeps an endpoint that is still Creating until it settles (users report
        # endpoints "stuck in Creating" that only became deletable once Failed).
        raise ValidationError(f'Cannot delete endpoint "{record.arn}" while its status is {status}.')
    record.delete(call.now, {"EndpointStatus": "Deleting"}, call.durations.endpoint.deleting)
    return {}
