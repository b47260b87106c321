"""Assertion helper for AWS error answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError


def aws_error(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str]:
    """Call and expect an AWS error; returns (code, message) as botocore parsed them."""
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]
