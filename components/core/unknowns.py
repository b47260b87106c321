"""Pulumi's not-yet-known values.

During `pulumi preview`, an input that depends on a resource not created yet reaches a
provider's check() and diff() as the unknown sentinel. Providers validate what is known and
skip what is not, so a preview never fails only because a role ARN is not known yet.
"""

from __future__ import annotations

from typing import Any

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def contains_unknown(value: Any) -> bool:
    """True if `value` or anything nested in it is unknown."""
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(item) for item in value)
    return False


def known(value: Any) -> bool:
    """True if `value` is given and known (rules skip what a preview cannot know yet)."""
    return value is not None and not is_unknown(value)
