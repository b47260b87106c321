"""boto3 clients for the dynamic providers, created lazily inside the provider process.

A provider object is pickled into the Pulumi state when the program runs, so it must never hold a
client or session then. Clients are made on first use in the provider host, from the standard
AWS chain: credentials and region from the environment, profile or instance; `AWS_ENDPOINT_URL`
and `AWS_ENDPOINT_URL_SAGEMAKER` are honoured by botocore itself. The stack's `aws:region`
(handed to `configure()`) wins over the environment's region. Retries: botocore's `adaptive`
mode, which backs off and rate-limits the client on throttling.
"""

from __future__ import annotations

import threading
from typing import Any

from boto3.session import Session
from botocore.config import Config

RETRY_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 10}, user_agent_extra="sagemaker-pulumi")
_SESSION_LOCK = threading.Lock()
"""boto3 sessions are not thread-safe while they build clients; the provider host has 4 workers."""


class AwsClients:
    """Per-process client factory; pickles as just its region."""

    def __init__(self, region: str | None = None) -> None:
        self.region = region
        self._clients: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"region": self.region}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state.get("region"))

    def client(self, service: str) -> Any:
        if service not in self._clients:
            with _SESSION_LOCK:
                if service not in self._clients:
                    self._clients[service] = Session(region_name=self.region).client(service, config=RETRY_CONFIG)
        return self._clients[service]
