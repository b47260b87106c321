"""Components refusing their arguments: the mocks that remember what was registered, and the
check that a refusal registered nothing at all (used by every component's tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from components.configs import InvalidArguments
from sagestack.testing.mocks import PlatformMocks, run_program


class RecordingMocks(PlatformMocks):
    """The mocks, remembering every custom resource registered, also when the program then fails."""

    def __init__(self, outputs: Callable[[MockResourceArgs], dict[str, Any]] | None = None) -> None:
        super().__init__(outputs)
        self.registered: list[str] = []

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        if args.custom:
            self.registered.append(args.typ)
        return super().new_resource(args)


def refused(
    build: Callable[[], Any],
    outputs: Callable[[MockResourceArgs], dict[str, Any]] | None = None,
    error: type[Exception] = InvalidArguments,
) -> str:
    """The refusal's message, once it is shown that nothing at all was registered."""
    mocks = RecordingMocks(outputs)
    with pytest.raises(error) as raised:
        run_program(lambda: build() and None, mocks=mocks)
    assert mocks.registered == []
    return str(raised.value)
