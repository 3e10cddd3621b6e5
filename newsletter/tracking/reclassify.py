"""Late reclassification: when SES reports a delivery after the first opens and clicks.

Opens and clicks are classified when written, against the delivery time known then (or the
send time). A Delivery event that arrives afterwards can show that some of them came before
or just after the message reached the reader's server: gateways and prefetchers, not people.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, update
from sqlalchemy.orm import Session

from newsletter.models import Event, EventType
from newsletter.tracking.classify import MachineReason, Rules
from newsletter.tracking.firsts import recompute_engagement
from newsletter.tracking.rows import affected_rows


def reclassify_early(
    session: Session, delivery_id: int, delivered_at: dt.datetime, rules: Rules
) -> bool:
    """Mark human opens and clicks of a delivery that came too soon after ``delivered_at``;
    returns whether any changed (the first-occurrence columns are then derived again)."""
    changed = 0
    for kind, seconds, reason in (
        (EventType.OPEN, rules.open_seconds, MachineReason.PREFETCH),
        (EventType.CLICK, rules.click_seconds, MachineReason.TOO_FAST),
    ):
        cutoff = delivered_at + dt.timedelta(seconds=seconds)
        changed += affected_rows(
            session.execute(
                update(Event)
                .where(
                    and_(
                        Event.delivery_id == delivery_id,
                        Event.type == kind,
                        Event.is_machine.is_(False),
                        Event.occurred_at < cutoff,
                    )
                )
                .values(is_machine=True, machine_reason=reason.value)
                .execution_options(synchronize_session=False)
            )
        )
    if changed:
        recompute_engagement(session, [delivery_id])
    return changed > 0
