"""Handling one SES event record: find its delivery, reconcile, dispatch by type."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from newsletter.delivery.reconcile import reconcile_in_doubt
from newsletter.models import DeliveryState
from newsletter.tracking.ses import engagement, feedback, sending
from newsletter.tracking.ses.records import SesRecord, parse_record
from newsletter.tracking.ses.target import EventContext, Target, find_target

Handler = Callable[[Session, SesRecord, Target, EventContext], None]
HANDLERS: dict[str, Handler] = {
    "Send": sending.on_send,
    "Delivery": sending.on_delivery,
    "Reject": sending.on_reject,
    "DeliveryDelay": sending.on_delivery_delay,
    "Rendering Failure": sending.on_rendering_failure,
    "Bounce": feedback.on_bounce,
    "Complaint": feedback.on_complaint,
    "Subscription": feedback.on_subscription,
    "Open": engagement.on_open,
    "Click": engagement.on_click,
}


# Every event but a rendering failure shows SES accepted the message for sending.
NOT_PROOF_OF_SENDING = frozenset({"Rendering Failure"})


def handle_record(session: Session, data: object, context: EventContext) -> str:
    """Apply one decoded SES record; returns its event type. Raises ``BadRecord``."""
    record = parse_record(data)
    target = find_target(session, record)
    proof = record.event_type not in NOT_PROOF_OF_SENDING
    if proof and target.delivery is not None and target.delivery.state is DeliveryState.IN_DOUBT:
        sent_at = record.mail_timestamp or record.timestamp
        reconcile_in_doubt(session, target.delivery, record.message_id, sent_at)
    HANDLERS[record.event_type](session, record, target, context)
    session.flush()
    return record.event_type
