"""What one sending process keeps between batches.

The pacer and the account's limits are per process (the pacer shares its slots through
Redis when configured), the prepared variants and the transport too: every transport is
safe to share (SES keeps one client per thread from one boto3 session, SMTP a pool of
connections, the outbox a file per message), and one per thread would cost each thread a boto3
session of its own (about 9 MB). The object lives in
``app.extensions`` so every sender thread, Celery task and test of one app finds the same.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.context import current_signer, render_settings
from newsletter.delivery.pacing import Limits, Pacer, build_pacer, quota_left, send_limits
from newsletter.delivery.transports import Transport
from newsletter.delivery.transports.factory import build_transport
from newsletter.delivery.variants import VariantCache
from newsletter.models import CampaignStatus, Topic
from newsletter.models.base import utcnow

EXTENSION_KEY = "newsletter.sender"
#: The account's limits are read again after this many seconds (SES GetAccount).
LIMITS_SECONDS = 60.0
#: The 24-hour quota is recounted from the ledger after this many seconds.
QUOTA_SECONDS = 30.0
#: Outcomes per campaign the failure rate is judged on, and the fewest that count.
FAILURE_WINDOW = 200
FAILURE_MIN_VOLUME = 50


def default_transport(settings: Settings) -> Transport:
    """The configured transport: SES, SMTP or the outbox."""
    return build_transport(settings)


@dataclass
class FailureWindow:
    """The last outcomes of one campaign in this process: True for a permanent failure."""

    outcomes: deque[bool] = field(default_factory=lambda: deque(maxlen=FAILURE_WINDOW))

    def add(self, failed: int, succeeded: int) -> None:
        """Note a flush's permanent failures and successes."""
        self.outcomes.extend([True] * failed + [False] * succeeded)

    def rate(self) -> float | None:
        """The share of failures, or None before :data:`FAILURE_MIN_VOLUME` outcomes."""
        if len(self.outcomes) < FAILURE_MIN_VOLUME:
            return None
        return sum(self.outcomes) / len(self.outcomes)


class SenderProcess:
    """Per-process sending state: limits, pacer, variants, transports, failure windows."""

    def __init__(
        self,
        settings: Settings,
        transport_factory: Callable[[Settings], Transport] = default_transport,
        limits_reader: Callable[[Settings], Limits] = send_limits,
    ) -> None:
        self.settings = settings
        self.transport_factory = transport_factory
        self.limits_reader = limits_reader
        self._lock = threading.Lock()
        self._limits: Limits | None = None
        self._limits_at = 0.0
        self._pacer: Pacer | None = None
        self._pacer_rate = 0.0
        self._variants: VariantCache | None = None
        self._transport: tuple[Callable[[Settings], Transport], Transport] | None = None
        self._failures: dict[int, FailureWindow] = {}
        self._quota: float | None = None
        self._quota_at = float("-inf")
        self._statuses: dict[int, tuple[CampaignStatus | None, float]] = {}

    def limits(self) -> Limits:
        """The account's limits, read at most every :data:`LIMITS_SECONDS`."""
        with self._lock:
            if self._limits is None or time.monotonic() - self._limits_at > LIMITS_SECONDS:
                self._limits = self.limits_reader(self.settings)
                self._limits_at = time.monotonic()
            return self._limits

    def quota_left(self, session: Session, limits: Limits) -> float | None:
        """Messages the 24-hour quota still allows (None: unlimited), recounted from the
        ledger every :data:`QUOTA_SECONDS` and counted down by this process meanwhile."""
        if limits.max_24h is None:
            return None
        with self._lock:
            if self._quota is None or time.monotonic() - self._quota_at > QUOTA_SECONDS:
                self._quota = quota_left(session, limits, utcnow()).left
                self._quota_at = time.monotonic()
            return self._quota

    def spend_quota(self, sent: int) -> None:
        """Count messages this process just sent against the quota it last read."""
        with self._lock:
            if self._quota is not None:
                self._quota -= sent

    def pacer(self) -> Pacer:
        """The pacer at the account's current rate (rebuilt when the rate changes)."""
        rate = self.limits().max_send_rate
        with self._lock:
            if self._pacer is None or rate != self._pacer_rate:
                self._pacer = build_pacer(self.settings, rate)
                self._pacer_rate = rate
            return self._pacer

    def variants(self, session: Session) -> VariantCache:
        """The prepared-variant cache, created with the topics' names on first use."""
        with self._lock:
            if self._variants is None:
                topics = list(session.scalars(select(Topic).order_by(Topic.position, Topic.slug)))
                self._variants = VariantCache(
                    render_settings(self.settings, topics), current_signer()
                )
            return self._variants

    def transport(self) -> Transport:
        """The process's transport, shared by its threads, built on first use.

        Rebuilt when ``transport_factory`` is replaced (tests swap in fakes)."""
        with self._lock:
            if self._transport is None or self._transport[0] is not self.transport_factory:
                self._transport = (self.transport_factory, self.transport_factory(self.settings))
            return self._transport[1]

    def campaign_status(
        self,
        campaign_id: int,
        read: Callable[[], CampaignStatus | None],
        max_age: float,
    ) -> CampaignStatus | None:
        """The campaign's status as some thread of this process last read it with ``read``,
        read again when that is older than ``max_age`` seconds.

        Every sender thread checks the status before each message, so that a pause or a
        cancel stops sending within ``max_age``; sharing the reading means one query per
        ``max_age`` for the whole process instead of one per thread.
        """
        with self._lock:
            known = self._statuses.get(campaign_id)
        if known is not None and time.monotonic() - known[1] < max_age:
            return known[0]
        status = read()
        self.remember_status(campaign_id, status)
        return status

    def remember_status(self, campaign_id: int, status: CampaignStatus | None) -> None:
        """Note a status just read from the database, as :meth:`campaign_status` does."""
        with self._lock:
            self._statuses[campaign_id] = (status, time.monotonic())

    def failures(self, campaign_id: int) -> FailureWindow:
        """The failure window of a campaign in this process."""
        with self._lock:
            return self._failures.setdefault(campaign_id, FailureWindow())

    def forget_failures(self, campaign_id: int) -> None:
        """Start the campaign's window afresh (after it was paused for its failures)."""
        with self._lock:
            self._failures.pop(campaign_id, None)


def sender_process(app: Flask | None = None) -> SenderProcess:
    """The sending state of ``app`` (the current one by default), created on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found: SenderProcess | None = app.extensions.get(EXTENSION_KEY)
    if found is None:
        found = app.extensions.setdefault(EXTENSION_KEY, SenderProcess(app.config["NEWSLETTER"]))
    return found
