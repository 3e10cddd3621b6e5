"""Live figures read straight from the ledger: sending progress and the rows that need people.

These stay cheap at any campaign size: progress comes from the campaign's counters (kept by
the sender) and from short ranges of the (campaign, state) index for the few rows that wait;
failed and in-doubt rows are listed a page at a time from that same index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.models import Campaign, Delivery, DeliveryState, Subscriber
from newsletter.models.base import utcnow

WAITING = (DeliveryState.DEFERRED, DeliveryState.SENDING, DeliveryState.IN_DOUBT)
NEEDS_PEOPLE = (DeliveryState.FAILED, DeliveryState.IN_DOUBT)
#: Sends over this many recent seconds give the current speed and the time left.
SPEED_WINDOW = 120


@dataclass(frozen=True)
class Progress:
    """Where a campaign's sending stands now."""

    campaign_id: int
    status: str
    pause_reason: str
    recipients: int
    sent: int
    failed: int
    skipped: int
    deferred: int
    sending: int
    in_doubt: int
    queued: int
    per_minute: float
    eta_seconds: int | None
    as_of: dt.datetime

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.skipped

    @property
    def fraction(self) -> float:
        return self.done / self.recipients if self.recipients else 0.0

    def to_json(self) -> dict[str, Any]:
        """The JSON the page polls."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["done"] = self.done
        data["fraction"] = round(self.fraction, 6)
        return data


def progress_of(session: Session, campaign: Campaign) -> Progress:
    """The campaign's live progress."""
    now = utcnow()
    counts = dict.fromkeys([s.value for s in WAITING], 0)
    rows = session.execute(
        select(Delivery.state, func.count())
        .where(Delivery.campaign_id == campaign.id, Delivery.state.in_(WAITING))
        .group_by(Delivery.state)
    ).all()
    counts.update({str(state): int(n) for state, n in rows})
    finished = campaign.sent_count + campaign.failed_count + campaign.skipped_count
    queued = max(campaign.recipients_count - finished - sum(counts.values()), 0)
    recent = session.scalar(
        select(func.count()).where(
            Delivery.sent_at >= now - dt.timedelta(seconds=SPEED_WINDOW),
            Delivery.campaign_id == campaign.id,
        )
    )
    per_minute = int(recent or 0) * 60 / SPEED_WINDOW
    left = queued + counts["deferred"] + counts["sending"]
    eta = int(left / per_minute * 60) if per_minute > 0 and left else None
    return Progress(
        campaign.id, campaign.status.value, campaign.pause_reason or "",
        campaign.recipients_count, campaign.sent_count, campaign.failed_count,
        campaign.skipped_count, counts["deferred"], counts["sending"], counts["in_doubt"],
        queued, round(per_minute, 1), eta, now,
    )  # fmt: skip


def attention_rows(
    session: Session,
    campaign_id: int,
    limit: int | None = 200,
    offset: int = 0,
    *,
    states: Sequence[DeliveryState] = NEEDS_PEOPLE,
    ids: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Failed and in-doubt rows with their reasons, oldest first (``states``, ``ids`` narrow)."""
    query = (
        select(
            Delivery.id,
            Delivery.state,
            Subscriber.email,
            Delivery.attempts,
            Delivery.last_error,
            Delivery.updated_at,
        )
        .outerjoin(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.campaign_id == campaign_id, Delivery.state.in_(states))
        .order_by(Delivery.id)
        .offset(offset)
    )
    if ids is not None:
        query = query.where(Delivery.id.in_(ids))
    if limit is not None:
        query = query.limit(limit)
    return [
        {
            "delivery_id": row.id,
            "state": str(row.state),
            "email": row.email or "",
            "attempts": row.attempts,
            "reason": row.last_error or "",
            "updated_at": row.updated_at,
        }
        for row in session.execute(query)
    ]


def attention_reasons(session: Session, campaign_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The most common reasons among failed and in-doubt rows, with their counts."""
    rows = session.execute(
        select(Delivery.state, Delivery.last_error, func.count().label("rows"))
        .where(Delivery.campaign_id == campaign_id, Delivery.state.in_(NEEDS_PEOPLE))
        .group_by(Delivery.state, Delivery.last_error)
        .order_by(func.count().desc())
        .limit(limit)
    ).all()
    return [
        {"state": str(state), "reason": error or "", "rows": int(n)} for state, error, n in rows
    ]
