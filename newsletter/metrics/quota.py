"""The SES sending quota: the last 24 hours' usage against the maximum, and the send rate.

SES v2 ``GetAccount`` reports ``SendQuota`` (Max24HourSend, MaxSendRate, SentLast24Hours,
counted in recipients) and the account's enforcement status. It is read through a small
injectable reader and cached for a minute. Where it cannot be read (the outbox or SMTP
transport, no credentials, an endpoint without GetAccount) the panel shows the configured
limits instead, and always shows our own count of messages sent in the last 24 hours from
the ledger, labelled as such.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.models import Delivery
from newsletter.models.base import utcnow

log = logging.getLogger(__name__)
CACHE_SECONDS = 60.0
#: SES's default send rate for a new production account, used when nothing says otherwise.
DEFAULT_SEND_RATE = 14.0


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
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "sesv2",
        region_name=settings.ses_region,
        endpoint_url=settings.ses_endpoint_url or None,
        config=Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=3),
    )
    return sesv2_reader(client)


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


@dataclass(frozen=True)
class QuotaPanel:
    """The quota panel's figures and where each came from."""

    source: str  # "ses" or "configured"
    max_24h: float | None  # None: unlimited
    sent_24h_ses: float | None
    sent_24h_ledger: int
    max_rate: float
    current_rate: float  # messages per second over the last minute, from the ledger
    enforcement: str
    sending_enabled: bool | None
    production: bool | None
    read_at: dt.datetime | None
    problem: str

    @property
    def used(self) -> float | None:
        """Share of the 24-hour quota used (SES's count when known, else ours)."""
        if not self.max_24h:
            return None
        sent = self.sent_24h_ses if self.sent_24h_ses is not None else self.sent_24h_ledger
        return sent / self.max_24h


def quota_panel(session: Session, settings: Settings, account: CachedAccount) -> QuotaPanel:
    """Combine SES's account (when readable), the configured limits and the ledger."""
    now = utcnow()
    ours = _sent_since(session, now - dt.timedelta(hours=24))
    rate = _sent_since(session, now - dt.timedelta(minutes=1)) / 60
    ses, problem = account.get()
    if ses is not None:
        return QuotaPanel(
            "ses", None if ses.max_24h < 0 else ses.max_24h, ses.sent_24h, ours,
            ses.max_rate, rate, ses.enforcement, ses.sending_enabled, ses.production,
            ses.read_at, "",
        )  # fmt: skip
    return QuotaPanel(
        "configured", float(settings.max_24h_send) or None, None, ours,
        settings.max_send_rate or DEFAULT_SEND_RATE, rate, "", None, None, None, problem,
    )  # fmt: skip


def _sent_since(session: Session, since: dt.datetime) -> int:
    # Walks the (sent_at, campaign_id) index only.
    count = session.scalar(select(func.count()).where(Delivery.sent_at >= since))
    return int(count or 0)
