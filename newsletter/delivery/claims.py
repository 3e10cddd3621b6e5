"""Claiming rows of the ledger: which worker sends which reader's copy.

A claim moves rows from ``queued`` (or ``deferred`` and due) to ``sending`` in one
statement, stamping who took them and when. On PostgreSQL the rows are picked with
``FOR UPDATE SKIP LOCKED``, so workers claiming at the same moment each get different rows
and none waits for another; SQLite has one writer at a time, so the same
``UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING`` is atomic there as it stands.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session

from newsletter.models import Delivery, DeliveryState
from newsletter.models.base import utcnow
from newsletter.tracking.rows import affected_rows


def worker_name(label: str = "") -> str:
    """A name for this thread of this process on this machine, as stored in claimed_by."""
    name = f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"
    return f"{name}:{label}"[:100] if label else name[:100]


def _queued(campaign_id: int) -> ColumnElement[bool]:
    return and_(Delivery.campaign_id == campaign_id, Delivery.state == DeliveryState.QUEUED)


def _due(campaign_id: int, now: dt.datetime) -> ColumnElement[bool]:
    return and_(
        Delivery.campaign_id == campaign_id,
        Delivery.state == DeliveryState.DEFERRED,
        Delivery.next_attempt_at <= now,
    )


def claim_batch(
    session: Session, campaign_id: int, worker: str, limit: int, now: dt.datetime | None = None
) -> list[Delivery]:
    """Claim up to ``limit`` sendable rows of a campaign for ``worker``, in id order.

    Deferred rows that are due come first, then queued ones. The rows come back in state
    ``sending`` with ``claimed_by``, ``claimed_at`` set and ``attempts`` counted. The caller
    commits, which is what makes the claim visible (and, on PostgreSQL, releases the row
    locks that kept other claimers off).
    """
    now = now or utcnow()
    # One condition per statement, each a range of the (campaign_id, state, id) index: an
    # OR of the two would make PostgreSQL walk every row of the campaign on each claim.
    claimed = _claim(session, _due(campaign_id, now), worker, limit, now)
    claimed += _claim(session, _queued(campaign_id), worker, limit - len(claimed), now)
    return sorted(claimed, key=lambda delivery: delivery.id)


def _claim(
    session: Session, condition: ColumnElement[bool], worker: str, limit: int, now: dt.datetime
) -> list[Delivery]:
    if limit < 1:
        return []
    picked = (
        select(Delivery.id)
        .where(condition)
        .order_by(Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return list(
        session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(picked))
            .values(
                state=DeliveryState.SENDING,
                claimed_by=worker,
                claimed_at=now,
                attempts=Delivery.attempts + 1,
                next_attempt_at=None,
            )
            .returning(Delivery)
            .execution_options(synchronize_session=False, populate_existing=True)
        ).all()
    )


def has_claimable(session: Session, campaign_id: int, now: dt.datetime | None = None) -> bool:
    """Whether a worker would find anything to claim in this campaign now."""
    now = now or utcnow()
    for condition in (_queued(campaign_id), _due(campaign_id, now)):
        if session.scalar(select(Delivery.id).where(condition).limit(1)) is not None:
            return True
    return False


def renew_claims(
    session: Session, worker: str, ids: list[int], now: dt.datetime | None = None
) -> int:
    """Stamp rows this worker still holds as claimed now, so the reaper knows it is alive."""
    if not ids:
        return 0
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(ids),
            Delivery.state == DeliveryState.SENDING,
            Delivery.claimed_by == worker,
        )
        .values(claimed_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)
