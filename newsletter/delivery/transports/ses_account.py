"""Reading the SES account's sending limits (v2 ``GetAccount``), cached for a minute.

``SendQuota`` holds Max24HourSend, MaxSendRate and SentLast24Hours (counted in recipients);
the answer also says whether sending is enabled and the enforcement status. The pacer uses
it to send no faster than the account allows, the dashboard to show the quota. It is read
through a small injectable reader, so tests use a stub and other transports have none.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.config import Config

from newsletter.config import Settings
from newsletter.models.base import utcnow

log = logging.getLogger(__name__)
CACHE_SECONDS = 60.0
#: SES's default send rate for a new production account, used when nothing says otherwise.
DEFAULT_SEND_RATE = 14.0
# The dashboard and the sender's start wait on this call: fail within seconds.
ACCOUNT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=3)


@dataclass(frozen=True)
class SesAccount:
    """What SES GetAccount said about sending."""

    max_24h: float  # -1 means unlimited
    max_rate: float
    sent_24h: float
    enforcement: str
    sending_enabled: bool
    production: bool
    read_at: dt.datetime


class AccountReader(Protocol):
    """Reads the SES account; raises when it cannot."""

    def __call__(self) -> SesAccount: ...


def sesv2_reader(client: Any) -> AccountReader:
    """A reader over a boto3 ``sesv2`` client (or anything with ``get_account()``)."""

    def read() -> SesAccount:
        answer = client.get_account()
        quota = answer.get("SendQuota", {})
        return SesAccount(
            max_24h=float(quota.get("Max24HourSend", -1)),
            max_rate=float(quota.get("MaxSendRate", 0)),
            sent_24h=float(quota.get("SentLast24Hours", 0)),
            enforcement=str(answer.get("EnforcementStatus", "")),
            sending_enabled=bool(answer.get("SendingEnabled", True)),
            production=bool(answer.get("ProductionAccessEnabled", False)),
            read_at=utcnow(),
        )

    return read


def reader_for(settings: Settings) -> AccountReader | None:
    """The reader for the configured transport: SES only; None for the outbox and SMTP."""
    if settings.transport != "ses":
        return None
    from newsletter.delivery.transports.ses import make_sesv2_client

    return sesv2_reader(make_sesv2_client(settings, ACCOUNT_CONFIG))


class CachedAccount:
    """Keeps the last answer (or failure) for :data:`CACHE_SECONDS`, shared by threads."""

    def __init__(self, reader: AccountReader | None, clock: Callable[[], float] = time.monotonic):
        self.reader = reader
        self.clock = clock
        self._lock = threading.Lock()
        self._at = -CACHE_SECONDS - 1
        self._value: SesAccount | None = None
        self._error = ""

    def get(self) -> tuple[SesAccount | None, str]:
        """The account, or None with why it could not be read."""
        if self.reader is None:
            return None, "not using SES"
        with self._lock:
            if self.clock() - self._at >= CACHE_SECONDS:
                self._refresh(self.reader)
            return self._value, self._error

    def _refresh(self, reader: AccountReader) -> None:
        self._at = self.clock()
        try:
            self._value, self._error = reader(), ""
        except Exception as exc:  # any SDK, network or endpoint failure: show configured
            log.info("SES GetAccount unavailable: %s", exc)
            self._value, self._error = None, f"{type(exc).__name__}: {exc}"[:300]
