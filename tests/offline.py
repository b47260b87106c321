"""Proof that a command stays offline: any AWS call or network connection fails the test."""

from __future__ import annotations

import socket
from typing import Any

import botocore.client
import pytest


def forbid_aws(monkeypatch: pytest.MonkeyPatch, activity: str) -> list[str]:
    """Make every AWS API call and every socket connection raise (naming `activity`), and return
    the list each attempt is recorded in, for the test to assert empty at the end."""
    calls: list[str] = []

    def api_call(_client: Any, operation: str, _params: Any) -> Any:
        calls.append(operation)
        raise AssertionError(f"{activity} called AWS: {operation}")

    def connect(_socket: socket.socket, address: Any) -> None:
        calls.append(f"connect {address}")
        raise AssertionError(f"{activity} opened a connection to {address}")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", api_call)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return calls
