"""SageMaker's error answers, as the JSON protocol carries them (code + message)."""

from __future__ import annotations


class SageMakerError(Exception):
    """An error answered to the client; `code` is what botocore reports as Error.Code."""

    code = "ValidationException"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
