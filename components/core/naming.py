"""Physical names: readable, valid for SageMaker, and content-addressed where it matters.

A training job's name is a prefix from its Pulumi name plus a hash of its create request: the
same request always gets the same name, so a `pulumi up` that re-runs after an interruption finds
and adopts the job it already started instead of paying for a second one.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

NAME_MAX = 63
HASH_LENGTH = 12
PREFIX_MAX = NAME_MAX - HASH_LENGTH - 1
NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
"""SageMaker's pattern for training job, model, endpoint and config names (63 characters)."""


def readable_prefix(pulumi_name: str, max_length: int = PREFIX_MAX) -> str:
    """A valid name prefix from any Pulumi resource name: other characters become hyphens."""
    cleaned = re.sub(r"[^a-zA-Z0-9-]+", "-", pulumi_name).strip("-")[:max_length].strip("-")
    return cleaned or "sagemaker"


def canonical_json(content: Any) -> str:
    """One text for one content: sorted keys, and 2.0 written as 2 (Pulumi sends ints as floats)."""

    def normal(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, dict):
            return {key: normal(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [normal(item) for item in value]
        return value

    return json.dumps(normal(content), sort_keys=True, separators=(",", ":"))


def content_hash(content: Any, length: int = HASH_LENGTH) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()[:length]


def content_addressed_name(prefix: str, content: Any) -> str:
    """`<prefix>-<hash of content>`, at most 63 characters."""
    return f"{prefix[:PREFIX_MAX].rstrip('-')}-{content_hash(content)}"
