"""boto3 clients for SES v2 and SNS, built once per process with short timeouts.

Credentials come from boto3's default chain (environment, profile, instance role), never
from settings. Tests and tools replace the app's :class:`AwsClients` (``app.extensions``)
with one whose clients are stubbed or point at moto's server.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config
from flask import Flask, current_app

from newsletter.config import Settings

EXTENSION_KEY = "newsletter.aws"
# Operators and the webhook wait on these calls: fail within seconds, retry once.
CLIENT_CONFIG = Config(
    connect_timeout=5, read_timeout=10, retries={"mode": "standard", "max_attempts": 2}
)


def region_of_arn(arn: str, default: str) -> str:
    """The region field of an ARN (``arn:aws:sns:REGION:ACCOUNT:NAME``), else ``default``."""
    parts = arn.split(":")
    return parts[3] if len(parts) >= 6 and parts[3] else default


class AwsClients:
    """Lazily created, shared (thread-safe) boto3 clients."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def sesv2(self) -> Any:
        """The SES v2 client of the configured region and endpoint."""
        return self._client("sesv2", self.settings.ses_region, self.settings.ses_endpoint_url)

    def sns(self, region: str | None = None) -> Any:
        """The SNS client of ``region`` (default: the SES region)."""
        chosen = region or self.settings.ses_region
        return self._client("sns", chosen, self.settings.sns_endpoint_url)

    def _client(self, service: str, region: str, endpoint: str) -> Any:
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                client = boto3.client(
                    service,
                    region_name=region,
                    endpoint_url=endpoint or None,
                    config=CLIENT_CONFIG,
                )
                self._clients[(service, region)] = client
            return client


def aws_clients(app: Flask | None = None) -> AwsClients:
    """The app's clients."""
    found: AwsClients = (app or current_app).extensions[EXTENSION_KEY]
    return found
