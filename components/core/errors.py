"""The one error a dynamic provider raises: it names the resource, the operation, the AWS error
code and SageMaker's FailureReason, so `pulumi up` says what failed and why."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, ParamSpec, TypeVar

if TYPE_CHECKING:
    from botocore.exceptions import ClientError


P = ParamSpec("P")
R = TypeVar("R")


class SageMakerOperationError(Exception):
    """A SageMaker call, or a wait for a status, failed."""

    def __init__(
        self,
        kind: str,
        name: str,
        operation: str,
        message: str,
        *,
        code: str | None = None,
        failure_reason: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.kind, self.name, self.operation = kind, name, operation
        self.code, self.failure_reason, self.hint = code, failure_reason, hint
        text = f"{kind} {name!r}: {operation} failed" + (f" with {code}" if code else "") + f": {message}"
        if failure_reason:
            text += f"\n  FailureReason: {failure_reason}"
        if hint:
            text += f"\n  {hint}"
        super().__init__(text)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextmanager
def calling(kind: str, name: str, operation: str) -> Iterator[None]:
    """Turn botocore's errors inside the block into a SageMakerOperationError naming all four."""
    # Here, not at the top: `import components` loads no botocore; the block calls AWS anyway.
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    try:
        yield
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise SageMakerOperationError(kind, name, operation, message, code=error_code(error)) from error
    except BotoCoreError as error:
        code = type(error).__name__
        hint = CONFIGURATION_HINTS.get(code)
        raise SageMakerOperationError(kind, name, operation, str(error), code=code, hint=hint) from error


CONFIGURATION_HINTS = {
    "NoCredentialsError": "The provider uses the standard AWS credential chain: set AWS_PROFILE (or "
    "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) where `pulumi` runs, or log in with `aws sso login`.",
    "NoRegionError": "Set the stack's region (`pulumi config set aws:region us-west-2`) or AWS_REGION.",
}
"""What to do about botocore's configuration errors, which say only what is missing."""


def plain_errors(method: Callable[P, R]) -> Callable[P, R]:
    """Our errors out of a provider method as the engine should print them: the message and one
    frame, without botocore's chained traceback (Pulumi's host prints the whole chain)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except SageMakerOperationError as error:
            raise error.with_traceback(None) from None

    return wrapper
