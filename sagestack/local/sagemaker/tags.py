"""AddTags / ListTags / DeleteTags for every resource this layer keeps, by ARN."""

from __future__ import annotations

from typing import Any

from .core import Call, Record, operation, paginate, tag_map
from .errors import ValidationError

MAX_TAGS = 50


def _find(call: Call, arn: str) -> Record:
    record = call.store.by_arn(arn, call.now)
    if record is None:
        raise ValidationError(f"Resource {arn} does not exist.")
    return record


def _as_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


@operation("AddTags")
def add_tags(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find(call, body["ResourceArn"])
    merged = record.tags | tag_map(body["Tags"])
    if len(merged) > MAX_TAGS:
        raise ValidationError(f"A resource can have at most {MAX_TAGS} tags.")
    record.tags = merged
    return {"Tags": body["Tags"]}


@operation("ListTags")
def list_tags(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    return paginate(_as_list(_find(call, body["ResourceArn"]).tags), body, "Tags", default_max=50)


@operation("DeleteTags")
def delete_tags(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    record = _find(call, body["ResourceArn"])
    record.tags = {key: value for key, value in record.tags.items() if key not in body["TagKeys"]}
    return {}
