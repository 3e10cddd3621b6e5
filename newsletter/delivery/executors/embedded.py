"""The embedded executor: sender threads inside ``newsletter run`` and ``newsletter worker``.

Each thread loops: find a sending campaign with rows to claim, run one batch of it, repeat;
with nothing to do it looks again every :data:`IDLE_SECONDS`. Threads of one process share
the pacer; threads of several processes share the ledger (claims never overlap) and, with
Redis configured, the pacer too.
"""

from __future__ import annotations

import logging
import threading

from newsletter.delivery.claims import worker_name
from newsletter.delivery.executors.common import campaigns_with_work
from newsletter.delivery.sender import send_batch
from newsletter.extensions import db

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0


def work_once(worker: str, stop: threading.Event | None = None) -> bool:
    """Run one batch of the first campaign with work; False when there was none."""
    session = db.new_session()
    try:
        campaigns = campaigns_with_work(session)
    finally:
        session.close()
    for campaign_id in campaigns:
        report = send_batch(campaign_id, worker, stop=stop)
        if report.claimed:
            return True
    return False


class SenderThread:
    """One sender thread, as a :class:`newsletter.runtime.Service`."""

    def __init__(self, number: int) -> None:
        self.name = f"sender-{number}"

    def run(self, stop: threading.Event) -> None:
        """Send batches until ``stop`` is set; a failed batch is logged and retried later."""
        worker = worker_name()
        while not stop.is_set():
            try:
                busy = work_once(worker, stop)
            except Exception:
                log.exception("%s: a batch failed; trying again shortly", self.name)
                busy = False
            if not busy:
                stop.wait(IDLE_SECONDS)
