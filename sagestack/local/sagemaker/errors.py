"""SageMaker's error answers, as its protocols carry them (code + message, and an HTTP status).

The control plane (`sagemaker`) names its validation error `ValidationException`; the runtime
services (`sagemaker-runtime`, `sagemaker-featurestore-runtime`) name theirs `ValidationError`.
"""

from __future__ import annotations

from typing import Any


class SageMakerError(Exception):
    """An error answered to the client; `code` is what botocore reports as Error.Code."""

    code = "ValidationException"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def extra(self) -> dict[str, Any]:
        """Members of the error shape beyond the message (ModelError's OriginalStatusCode...)."""
        return {}


class ValidationError(SageMakerError):
    code = "ValidationException"


class ResourceNotFound(SageMakerError):
    code = "ResourceNotFound"


class ResourceInUse(SageMakerError):
    code = "ResourceInUse"


class ConflictError(SageMakerError):
    code = "ConflictException"


class ResourceLimitExceeded(SageMakerError):
    code = "ResourceLimitExceeded"


class RuntimeValidationError(SageMakerError):
    """The runtime services' validation error (a missing endpoint, a malformed record)."""

    code = "ValidationError"


class AccessForbidden(SageMakerError):
    """Feature Store's answer for a store the group does not have (GetRecord without an online store)."""

    code = "AccessForbidden"
    status = 403


class ModelError(SageMakerError):
    """The model container answered an error: InvokeEndpoint's HTTP 424 with the container's status."""

    code = "ModelError"
    status = 424

    def __init__(self, message: str, original_status: int, original_message: str, log_stream_arn: str) -> None:
        super().__init__(message)
        self.original_status = original_status
        self.original_message = original_message
        self.log_stream_arn = log_stream_arn

    def extra(self) -> dict[str, Any]:
        return {
            "OriginalStatusCode": self.original_status,
            "OriginalMessage": self.original_message,
            "LogStreamArn": self.log_stream_arn,
        }


class UnknownOperation(SageMakerError):
    """An operation the local AWS does not answer: AWS's JSON services say UnknownOperationException
    (400) for a target they do not know, which no client retries, so a caller fails at once."""

    code = "UnknownOperationException"
