"""Models, endpoint configs and endpoints.

Models and endpoint configs have no status: they exist or not. Endpoints move
Creating -> InService (or Failed), Updating -> InService on the new config, or, when a
RollbackFault is armed, Updating -> RollingBack -> InService on the *old* config with a
FailureReason (what a deployment guardrail does), and Deleting -> gone.
"""

from __future__ import annotations

from typing import Any

from .core import Call, Phase, Record, echo, listing, operation, tag_map
from .errors import ValidationError

MODEL = "model"
ENDPOINT_CONFIG = "endpoint_config"
ENDPOINT = "endpoint"


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


@operation("DescribeModel")
def describe_model(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find(call, MODEL, body["ModelName"])
    answer = echo(record.request, "DescribeModel")
    return answer | {"ModelName": record.name, "ModelArn": record.arn, "CreationTime": record.created}


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
    record = _create(call, body, ENDPOINT_CONFIG, "EndpointConfigName")
    return {"EndpointConfigArn": record.arn}


def _find_config(call: Call, name: str) -> Record:
    return _find(call, ENDPOINT_CONFIG, name)


@operation("DescribeEndpointConfig")
def describe_endpoint_config(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find_config(call, body["EndpointConfigName"])
    answer = echo(record.request, "DescribeEndpointConfig")
    return answer | {
        "EndpointConfigName": record.name,
        "EndpointConfigArn": record.arn,
        "CreationTime": record.created,
    }


@operation("DeleteEndpointConfig")
def delete_endpoint_config(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    _find_config(call, body["EndpointConfigName"]).delete(call.now)
    return {}


# --- endpoints ------------------------------------------------------------------------------


def _variants(config: Record) -> list[dict[str, Any]]:
    """The ProductionVariants summary an endpoint reports when it serves `config`."""
    summaries = []
    for variant in config.request["ProductionVariants"]:
        summary: dict[str, Any] = {
            "VariantName": variant["VariantName"],
            "CurrentWeight": float(variant.get("InitialVariantWeight", 1.0)),
            "DesiredWeight": float(variant.get("InitialVariantWeight", 1.0)),
        }
        if "ServerlessConfig" in variant:
            summary["CurrentServerlessConfig"] = variant["ServerlessConfig"]
            summary["DesiredServerlessConfig"] = variant["ServerlessConfig"]
        else:
            count = int(variant.get("InitialInstanceCount", 1))
            summary["CurrentInstanceCount"] = count
            summary["DesiredInstanceCount"] = count
        summaries.append(summary)
    return summaries


def _in_service(config: Record, variants: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "EndpointStatus": "InService",
        "EndpointConfigName": config.name,
        "ProductionVariants": variants if variants is not None else _variants(config),
        "PendingDeploymentSummary": None,
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
    last = failed if reason is not None else _in_service(config)
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
    old_config = _find_config(call, state["EndpointConfigName"])
    if "DeploymentConfig" in body or not body.get("RetainDeploymentConfig"):
        record.data["deployment"] = body.get("DeploymentConfig")
    d = call.durations.endpoint
    updating = {
        "EndpointStatus": "Updating",
        "FailureReason": None,
        "PendingDeploymentSummary": {
            "EndpointConfigName": new_config.name,
            "ProductionVariants": _variants(new_config),
            "StartTime": call.now,
        },
    }
    reason = call.faults.take_rollback(record.name)
    phases: list[Phase] = [(updating, d.updating)]
    if reason is not None:
        phases.append(({"EndpointStatus": "RollingBack", "FailureReason": reason}, d.rolling_back))
        phases.append((_in_service(old_config, state.get("ProductionVariants")), None))
    else:
        phases.append((_in_service(new_config), None))
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


def _describe_endpoint(call: Call, record: Record) -> dict[str, Any]:
    state = record.state(call.now)
    answer: dict[str, Any] = {
        "EndpointName": record.name,
        "EndpointArn": record.arn,
        "EndpointConfigName": state["EndpointConfigName"],
        "EndpointStatus": state["EndpointStatus"],
        "CreationTime": record.created,
        "LastModifiedTime": record.timeline.transitions("EndpointStatus", call.now)[-1][1],
    }
    for key in ("ProductionVariants", "FailureReason", "PendingDeploymentSummary"):
        if state.get(key):
            answer[key] = state[key]
    if record.data.get("deployment"):
        answer["LastDeploymentConfig"] = record.data["deployment"]
    return answer


@operation("DescribeEndpoint")
def describe_endpoint(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return _describe_endpoint(call, _find_endpoint(call, body["EndpointName"]))


@operation("ListEndpoints")
def list_endpoints(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return listing(
        call.store.all(ENDPOINT, call.now),
        body,
        "Endpoints",
        lambda record: _describe_endpoint(call, record),
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
