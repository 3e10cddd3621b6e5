"""The background service that works through the SNS inbox (``newsletter run``/``worker``)."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from newsletter.config import Settings
from newsletter.extensions import db
from newsletter.runtime import Service
from newsletter.tracking.ses.aws import aws_clients
from newsletter.tracking.sns.dispatch import SnsDispatcher
from newsletter.tracking.sns.inbox import SnsProcessor, purge_processed

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
PURGE_EVERY_SECONDS = 3600.0


class SnsInboxService:
    """Processes pending SNS messages as they arrive and purges old processed ones."""

    name = "sns-inbox"

    def __init__(self, app: Flask) -> None:
        self.settings: Settings = app.config["NEWSLETTER"]
        self.processor = SnsProcessor(SnsDispatcher(self.settings, aws_clients(app)))
        self._last_purge = 0.0

    def run(self, stop: threading.Event) -> None:
        """Poll the inbox until ``stop`` is set."""
        while not stop.is_set():
            handled = 0
            try:
                handled = self.processor.process_pending()
                self._purge_if_due()
            except Exception:
                log.exception("SNS inbox: a round failed; trying again")
            if not handled:
                stop.wait(POLL_SECONDS)

    def _purge_if_due(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < PURGE_EVERY_SECONDS:
            return
        self._last_purge = now
        with db.session_scope() as session:
            purged = purge_processed(session, self.settings.sns_retention_days)
        if purged:
            log.info("SNS inbox: purged %d processed messages", purged)


def services(app: Flask) -> list[Service]:
    """The tracking feature's background services."""
    return [SnsInboxService(app)]
