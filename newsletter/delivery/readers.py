"""The readers of a claimed batch, and whether each may still be mailed.

The audience snapshot chose them when the campaign started; since then a reader may have
unsubscribed, been suppressed (a bounce, a complaint, an operator) or paused their
subscription. Such a row is skipped, counted, and says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.context import email_locale
from newsletter.models import Subscriber, SubscriberStatus, Suppression


@dataclass(frozen=True)
class BatchReader:
    """What the sender needs of one reader."""

    email: str
    name: str
    locale: str  # the renderer's: zh-CN or en
    left_because: str | None  # None: may be mailed


def load_readers(
    session: Session, subscriber_ids: Iterable[int | None], now: dt.datetime
) -> dict[int, BatchReader]:
    """The batch's readers by id, each with why they may no longer be mailed (if so)."""
    ids = {sid for sid in subscriber_ids if sid is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(
            Subscriber.id,
            Subscriber.email,
            Subscriber.name,
            Subscriber.locale,
            Subscriber.status,
            Subscriber.paused_until,
        ).where(Subscriber.id.in_(ids))
    ).all()
    suppressed = set(
        session.scalars(
            select(Suppression.email).where(
                Suppression.email.in_([row.email for row in rows]),
                Suppression.lifted_at.is_(None),
            )
        )
    )
    return {
        row.id: BatchReader(
            row.email,
            row.name,
            email_locale(row.locale),
            _left_because(row.status, row.paused_until, row.email in suppressed, now),
        )
        for row in rows
    }


def _left_because(
    status: SubscriberStatus, paused_until: dt.datetime | None, suppressed: bool, now: dt.datetime
) -> str | None:
    if status is not SubscriberStatus.CONFIRMED:
        return f"the reader is {status.value} since the audience snapshot"
    if suppressed:
        return "the address was suppressed since the audience snapshot"
    if paused_until is not None and paused_until > now:
        return "the reader paused their subscription since the audience snapshot"
    return None


ERASED = "the reader's data was erased since the audience snapshot"
