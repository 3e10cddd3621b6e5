"""The SES sending quota: the last 24 hours' usage against the maximum, and the send rate.

SES v2 ``GetAccount`` is read by :mod:`newsletter.delivery.transports.ses_account` (the
pacer reads the same limits), cached for a minute. Where it cannot be read (the outbox or SMTP
transport, no credentials, an endpoint without GetAccount) the panel shows the configured
limits instead, and always shows our own count of messages sent in the last 24 hours from
the ledger, labelled as such.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.delivery.transports.ses_account import DEFAULT_SEND_RATE, CachedAccount
from newsletter.models import Delivery
from newsletter.models.base import utcnow


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
