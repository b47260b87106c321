"""Test helpers over SageMaker requests: their snake_case form, back again, and their differences.

`parse_request` / `build_request` turn a boto3 request into the snake_case form users write in
`extra=` and back (`components.core.api_model` does the walking); `differences` compares two
requests key for key and value for value, where an int is not a float (2 is not 2.0), because
that is what a JSON body carries to AWS.
"""

from __future__ import annotations

from typing import Any, cast

from components.core.api_model import from_api, to_api
from components.core.service_model import Violation, input_shape, validate


def parse_request(operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """A boto3 request of `operation` in snake_case."""
    return cast(dict[str, Any], from_api(request, input_shape(operation)))


def build_request(operation: str, fields: dict[str, Any]) -> tuple[dict[str, Any], list[Violation]]:
    """The boto3 request from snake_case fields: unknown fields and broken constraints named."""
    shape = input_shape(operation)
    request, violations = to_api(fields, shape)
    if violations:
        return cast(dict[str, Any], request), violations
    normalized, found = validate(request, shape)
    return cast(dict[str, Any], normalized), found


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Paths where two requests differ, including int-vs-float (2 is not 2.0 here)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[str] = []
        for key in sorted(set(expected) | set(actual), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                found.append(f"{where}: missing")
            elif key not in expected:
                found.append(f"{where}: unexpected")
            else:
                found += differences(expected[key], actual[key], where)
        return found
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [
            f
            for index, (a, b) in enumerate(zip(expected, actual, strict=True))
            for f in differences(a, b, f"{path}[{index}]")
        ]
    if type(expected) is not type(actual) or expected != actual:
        return [f"{path}: {expected!r} != {actual!r}"]
    return []
