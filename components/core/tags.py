"""Tags: the Pulumi-side mapping, SageMaker's Key/Value list, and in-place tag updates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from .errors import calling
from .service_model import Violation, shape_named, validate

if TYPE_CHECKING:
    from botocore.model import Shape, StructureShape


INTERNAL_TAG_PREFIX = "sagemaker-pulumi:"
"""Tags the providers keep for themselves (e.g. the endpoint's failed-config memory): not the user's."""


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


MAX_TAGS = 50


def tag_violations(tags: Mapping[str, Any], path: str = "tags") -> list[Violation]:
    """Keys and values against SageMaker's Tag shape (length, pattern), reserved `aws:` keys,
    and the 50-tag limit; each violation is named `tags.<key>`."""
    members = cast("dict[str, Shape]", cast("StructureShape", shape_named("Tag")).members)
    violations = []
    if len(tags) > MAX_TAGS:
        violations.append(Violation(path, f"at most {MAX_TAGS} tags (has {len(tags)})"))
    for key, value in tags.items():
        where = f"{path}.{key}"
        if key.lower().startswith("aws:"):
            violations.append(Violation(where, "tag keys starting with 'aws:' are reserved by AWS"))
        violations += [Violation(where, f"key {v.reason}") for v in validate(key, members["Key"], where)[1]]
        violations += validate(value, members["Value"], where)[1]
    return violations


def sync_tags(client: Any, kind: str, name: str, arn: str, *, old: Mapping[str, str], new: Mapping[str, str]) -> None:
    """Make the resource's tags `new`, touching only what changed."""
    removed = [key for key in old if key not in new]
    changed = {key: value for key, value in new.items() if old.get(key) != value}
    if removed:
        with calling(kind, name, "DeleteTags"):
            client.delete_tags(ResourceArn=arn, TagKeys=removed)
    if changed:
        with calling(kind, name, "AddTags"):
            client.add_tags(ResourceArn=arn, Tags=tag_list(changed))


def live_tags(client: Any, kind: str, name: str, arn: str) -> dict[str, str]:
    """The user's tags on the resource now (AWS's `aws:` tags and our own bookkeeping left out),
    so `pulumi refresh` shows tags changed outside Pulumi and the next `up` puts them back."""
    tags: dict[str, str] = {}
    with calling(kind, name, "ListTags"):
        for page in client.get_paginator("list_tags").paginate(ResourceArn=arn):
            tags.update({tag["Key"]: tag["Value"] for tag in page["Tags"]})
    return {
        key: value
        for key, value in tags.items()
        if not key.lower().startswith("aws:") and not key.startswith(INTERNAL_TAG_PREFIX)
    }
