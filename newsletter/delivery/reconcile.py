"""Settling in-doubt rows: proof from the provider that a message went out.

SES publishes a Send event (and later Delivery, Bounce, ...) for every message it accepted,
tagged with our delivery id. For a row the reaper marked ``in_doubt`` that is the proof it
was sent, so the row becomes ``sent`` and is never offered for a resend.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from newsletter.models import Campaign, Delivery, DeliveryState
from newsletter.tracking.rows import affected_rows


def reconcile_in_doubt(
    session: Session, delivery: Delivery, message_id: str | None, sent_at: dt.datetime
) -> bool:
    """Record an in-doubt ``delivery`` as sent at ``sent_at`` as ``message_id``.

    Returns False (and changes nothing) when the row is not in doubt, e.g. an operator
    already resent or dropped it, or the event arrived twice. The caller commits.
    """
    changed = affected_rows(
        session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.state == DeliveryState.IN_DOUBT)
            .values(
                state=DeliveryState.SENT,
                sent_at=sent_at,
                transport_message_id=message_id or delivery.transport_message_id,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if not changed:
        return False
    session.execute(
        update(Campaign)
        .where(Campaign.id == delivery.campaign_id)
        .values(sent_count=Campaign.sent_count + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(delivery)
    return True
