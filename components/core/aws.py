"""boto3 clients for the dynamic providers, created lazily inside the provider process.

A provider object is pickled into the Pulumi state when the program runs, so it must never hold a
client or session then. Clients are made on first use in the provider host, from the standard
AWS chain: credentials and region from the environment, profile or instance; `AWS_ENDPOINT_URL`
and `AWS_ENDPOINT_URL_SAGEMAKER` are honoured by botocore itself. The stack's `aws:region`
(handed to `configure()`) wins over the environment's region.

Retries: by default botocore's `adaptive` mode (it backs off and rate-limits the client on
throttling) with 11 attempts per call, so a burst of 10 throttles is survived. The standard AWS
settings win where the user set them, as in every AWS SDK: `AWS_RETRY_MODE` / `AWS_MAX_ATTEMPTS`
or the profile's `retry_mode` / `max_attempts`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

DEFAULT_RETRY_MODE = "adaptive"
DEFAULT_TOTAL_MAX_ATTEMPTS = 11
USER_AGENT_EXTRA = "sagemaker-pulumi"
_SESSION_LOCK = threading.Lock()
"""boto3 sessions are not thread-safe while they build clients; the provider host has 4 workers."""


class AwsClients:
    """Per-process client factory; pickles as just its region."""

    def __init__(self, region: str | None = None) -> None:
        self.region = region
        self._clients: dict[str, Any] = {}
        self._account: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"region": self.region}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state.get("region"))

    def client(self, service: str, region: str | None = None) -> Any:
        """A client for `service` in `region` (default: the stack's `aws:region`, else the AWS chain's)."""
        key = f"{service}@{region or self.region or ''}"
        if key not in self._clients:
            with _SESSION_LOCK:
                if key not in self._clients:
                    # Imported here, in the provider process: `import components` in a Pulumi program,
                    # which only pickles providers, does not pay for boto3 and s3transfer.
                    import botocore.session  # noqa: PLC0415
                    from boto3.session import Session  # noqa: PLC0415
                    from botocore.config import Config  # noqa: PLC0415

                    core = botocore.session.Session()
                    retries = retry_settings(os.environ, core.get_scoped_config())
                    session = Session(botocore_session=core, region_name=region or self.region)
                    config = Config(retries=retries, user_agent_extra=USER_AGENT_EXTRA)
                    self._clients[key] = session.client(service, config=config)
        return self._clients[key]

    def account(self) -> str:
        """The account these credentials act in (STS GetCallerIdentity, once per process)."""
        if self._account is None:
            self._account = str(self.client("sts").get_caller_identity()["Account"])
        return self._account

    def target_region(self) -> str | None:
        """Where new resources go: the stack's `aws:region`, else the AWS chain's region."""
        return self.region or self.client("sagemaker").meta.region_name


def retry_settings(environ: Mapping[str, str], profile: Mapping[str, Any]) -> dict[str, Any]:
    """Our retry defaults for the settings the user left unset; botocore fills in the rest itself."""
    retries: dict[str, Any] = {}
    if not (environ.get("AWS_RETRY_MODE") or profile.get("retry_mode")):
        retries["mode"] = DEFAULT_RETRY_MODE
    if not (environ.get("AWS_MAX_ATTEMPTS") or profile.get("max_attempts")):
        retries["total_max_attempts"] = DEFAULT_TOTAL_MAX_ATTEMPTS
    return retries
