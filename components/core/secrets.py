"""Refuse AWS credentials in places that end up in plain text (hyperparameters, environment).

One guard for every free-form map we send (hyperparameters, every container environment): the
credential's name as a key or written into a value (`aws_secret_access_key=...`,
`--aws-secret-access-key ...`), an access key ID, a secret access key, an STS session token.
SageMaker itself rejects some credentials in hyperparameters; we refuse them at check time,
before anything is sent or stored in the Pulumi state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .service_model import Violation
from .unknowns import is_unknown

ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])")
SECRET_ACCESS_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
CREDENTIAL_NAMES = re.compile(r"aws[_-](secret[_-]access[_-]key|session[_-]token|access[_-]key[_-]id)", re.IGNORECASE)
SESSION_TOKEN = re.compile(r"(IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{80,}")
"""STS session tokens: base64 that opens with the same bytes ("\x21\n\torigin...", "...er/aws")."""


def _looks_like_secret_key(text: str) -> bool:
    """40 base64 characters mixing upper case, lower case and digits (a git SHA does not)."""
    for match in SECRET_ACCESS_KEY.finditer(text):
        candidate = match.group()
        if re.search(r"[A-Z]", candidate) and re.search(r"[a-z]", candidate) and re.search(r"[0-9]", candidate):
            return True
    return False


def credential_violations(values: Mapping[str, Any], path: str) -> list[Violation]:
    """Violations for every entry of `values` that holds (or is named as) an AWS credential."""
    violations = []
    for key, value in values.items():
        if is_unknown(value):
            continue
        text = str(value)
        if CREDENTIAL_NAMES.search(str(key)):
            reason = "names an AWS credential; pass credentials through the execution role, never in plain text"
        elif named := CREDENTIAL_NAMES.search(text):
            reason = f"sets {named.group()} in its value; use the execution role instead of credentials"
        elif SESSION_TOKEN.search(text):
            reason = "looks like an AWS session token; use the execution role instead of credentials"
        elif ACCESS_KEY_ID.search(text):
            reason = "looks like an AWS access key ID; use the execution role instead of credentials"
        elif _looks_like_secret_key(text):
            reason = "looks like an AWS secret access key; use the execution role instead of credentials"
        else:
            continue
        violations.append(Violation(f"{path}.{key}", reason))
    return violations
