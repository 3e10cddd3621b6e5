"""The reaper: rows a dead worker left in ``sending`` become ``in_doubt``.

A worker may have handed such a row's message to the transport just before it died, so the
row is never sent again on its own: an SES Send event tagged with the delivery id proves it
went out (:mod:`newsletter.delivery.reconcile`); otherwise an operator resends or drops it.
A live worker renews the claims it still holds (:func:`~newsletter.delivery.claims.
renew_claims`) well within the lease, so only abandoned rows are older than it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.database import Database
from newsletter.metrics.hooks import SendMeter
from newsletter.models import Delivery, DeliveryState
from newsletter.models.base import utcnow
from newsletter.tracking.rows import affected_rows

log = logging.getLogger(__name__)

IN_DOUBT_REASON = (
    "the worker {worker} stopped before recording whether the message was handed over; "
    "it is not resent by itself: an SES Send event settles it, else an operator decides"
)


def reap(session: Session, lease: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Mark rows claimed longer than ``lease`` ago and still ``sending`` as ``in_doubt``.

    Returns how many rows changed; one audit entry per campaign says how many and why.
    """
    cutoff = (now or utcnow()) - lease
    stale = (Delivery.state == DeliveryState.SENDING, Delivery.claimed_at < cutoff)
    per_campaign = session.execute(
        select(Delivery.campaign_id, Delivery.claimed_by, func.count())
        .where(*stale)
        .group_by(Delivery.campaign_id, Delivery.claimed_by)
    ).all()
    if not per_campaign:
        return 0
    total = 0
    for campaign_id, worker, _listed in per_campaign:
        # Every worker runs a reaper: count what this UPDATE changed, not what the SELECT
        # saw, or two reapers of one pass audit (and count in the metrics) the rows twice.
        count = affected_rows(
            session.execute(
                update(Delivery)
                .where(*stale, Delivery.campaign_id == campaign_id, Delivery.claimed_by == worker)
                .values(
                    state=DeliveryState.IN_DOUBT,
                    last_error=IN_DOUBT_REASON.format(worker=worker or "?"),
                )
                .execution_options(synchronize_session=False)
            )
        )
        if not count:
            continue
        audit.record(
            session,
            "delivery.in_doubt",
            actor=audit.SYSTEM,
            entity_type="campaign",
            entity_id=campaign_id,
            detail={"rows": count, "worker": worker, "lease_seconds": lease.total_seconds()},
        )
        log.warning(
            "campaign %s: %d rows left sending by %s are now in doubt", campaign_id, count, worker
        )
        total += count
    meter = SendMeter()
    for _ in range(total):
        meter.record("in_doubt")
    return total


class ReaperService:
    """Reaps every quarter of the lease, in its own transaction."""

    name = "reaper"

    def __init__(self, database: Database, lease: dt.timedelta) -> None:
        self.database = database
        self.lease = lease

    def run(self, stop: threading.Event) -> None:
        """Reap until ``stop`` is set; a failed pass is logged and retried next time."""
        interval = max(self.lease.total_seconds() / 4, 1.0)
        while not stop.wait(interval):
            try:
                with self.database.session_scope() as session:
                    reap(session, self.lease)
            except Exception:
                log.exception("reaper pass failed; retrying in %.0f s", interval)
