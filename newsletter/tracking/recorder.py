"""Where the tracking endpoints put hits: the buffer, or straight into the database.

The app holds one :class:`Tracker` (see :func:`tracker`). Endpoints call :meth:`Tracker.open`
and :meth:`Tracker.click`, which never raise: a reader's image or link must work whatever
happens to the figures.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from flask import Flask, current_app

from newsletter.config import Settings
from newsletter.extensions import db
from newsletter.models import EventType, utcnow
from newsletter.signing import BadToken, TokenPurpose, TokenSigner
from newsletter.tracking.apple_ranges import load_ranges
from newsletter.tracking.buffer import EventBuffer
from newsletter.tracking.classify import Rules, scanner_pattern
from newsletter.tracking.hits import Hit
from newsletter.tracking.ingest import IngestContext, write_hits

log = logging.getLogger(__name__)
EXTENSION_KEY = "newsletter.tracker"
MAX_ID = 2**63 - 1  # BIGINT: larger ids in a forged-but-signed token would overflow the query


def ingest_context(settings: Settings) -> IngestContext:
    """The classification rules and privacy settings for writing hits."""
    ranges_file = (
        Path(settings.apple_relay_ranges_file) if settings.apple_relay_ranges_file else None
    )
    rules = Rules(
        open_seconds=settings.machine_open_seconds,
        click_seconds=settings.machine_click_seconds,
        apple=load_ranges(ranges_file),
        scanners=scanner_pattern(),
    )
    return IngestContext(rules, settings.ip_storage, settings.secret_key)


def store_hits(settings: Settings, hits: Sequence[Hit]) -> int:
    """Write ``hits`` in one transaction of their own."""
    with db.session_scope() as session:
        return write_hits(session, hits, ingest_context(settings))


class Tracker:
    """Verifies delivery tokens and records opens and clicks as the settings say."""

    def __init__(self, settings: Settings, signer: TokenSigner, *, autostart: bool = True) -> None:
        self.settings = settings
        self.signer = signer
        self.buffer: EventBuffer | None = None
        if settings.tracking_writes == "buffered":
            self.buffer = EventBuffer(
                lambda hits: store_hits(settings, hits),
                interval=settings.tracking_flush_seconds,
                capacity=settings.tracking_buffer_size,
                autostart=autostart,
            )

    def delivery_id(self, token: str) -> int | None:
        """The delivery a token names, or None for a bad, foreign or malformed token."""
        try:
            values = self.signer.verify(TokenPurpose.DELIVERY, token)
        except BadToken:
            return None
        if len(values) != 1 or not 0 < values[0] <= MAX_ID:
            return None
        return values[0]

    def open(self, token: str, *, ip: str | None, user_agent: str | None, method: str) -> None:
        """Record an open of the delivery in ``token`` when tracking is on."""
        if not self.settings.tracking:
            return
        delivery_id = self.delivery_id(token)
        if delivery_id is not None:
            self.record(Hit(EventType.OPEN, delivery_id, utcnow(), ip, user_agent, method))

    def record(self, hit: Hit) -> None:
        """Hand a hit to the buffer, or write it now in direct mode; never raises."""
        if self.buffer is not None:
            self.buffer.add(hit)
            return
        try:
            store_hits(self.settings, [hit])
        except Exception:
            log.exception(
                "tracking: could not record a %s of delivery %d", hit.kind, hit.delivery_id
            )

    def flush(self) -> int:
        """Write buffered hits now (tests, shutdown); returns how many."""
        return self.buffer.flush() if self.buffer is not None else 0

    def close(self) -> None:
        """Write what is buffered and stop the writer thread."""
        if self.buffer is not None:
            self.buffer.close()


def tracker(app: Flask | None = None) -> Tracker:
    """The app's tracker."""
    found: Tracker = (app or current_app).extensions[EXTENSION_KEY]
    return found
