"""SES events about the message itself: Send, Delivery, Reject, DeliveryDelay, Rendering Failure."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from newsletter.models import EventType, Subscriber
from newsletter.tracking.firsts import set_first
from newsletter.tracking.reclassify import reclassify_early
from newsletter.tracking.ses.records import SesRecord, recipients
from newsletter.tracking.ses.target import EventContext, Target, add_event, clip


def on_send(session: Session, record: SesRecord, target: Target, _ctx: EventContext) -> None:
    """SES accepted the message."""
    add_event(session, record, target, EventType.SEND, {})
    delivery = target.delivery
    if delivery is not None and delivery.transport_message_id is None and record.message_id:
        delivery.transport_message_id = record.message_id


def on_delivery(session: Session, record: SesRecord, target: Target, ctx: EventContext) -> None:
    """The reader's server accepted the message: delivered, and the soft-bounce streak ends."""
    detail = record.detail
    add_event(
        session,
        record,
        target,
        EventType.DELIVERY,
        {
            "smtp_response": clip(detail.get("smtpResponse")),
            "reporting_mta": clip(detail.get("reportingMTA"), 200),
            "processing_ms": detail.get("processingTimeMillis"),
        },
    )
    if target.subscriber is not None and target.subscriber.soft_bounce_streak:
        session.execute(
            update(Subscriber)
            .where(Subscriber.id == target.subscriber.id)
            .values(soft_bounce_streak=0)
            .execution_options(synchronize_session="fetch")
        )
    if target.delivery is not None:
        set_first(session, "delivered_at", {target.delivery.id: record.timestamp})
        reclassify_early(session, target.delivery.id, record.timestamp, ctx.ingest.rules)


def on_reject(session: Session, record: SesRecord, target: Target, _ctx: EventContext) -> None:
    """SES refused to send what it had accepted (a virus): not attempted."""
    reason = clip(record.detail.get("reason"), 200) or "unknown"
    add_event(session, record, target, EventType.REJECT, {"reason": reason})
    if target.delivery is not None:
        target.delivery.last_error = f"SES rejected the message after accepting it: {reason}"


def on_delivery_delay(
    session: Session, record: SesRecord, target: Target, _ctx: EventContext
) -> None:
    """The reader's server deferred the message; SES keeps trying until it expires."""
    detail = record.detail
    delayed = [
        {"status": clip(item.get("status"), 20), "diagnostic": clip(item.get("diagnosticCode"))}
        for item in recipients(detail.get("delayedRecipients"))
    ]
    add_event(
        session,
        record,
        target,
        EventType.DELIVERY_DELAY,
        {
            "delay_type": clip(detail.get("delayType"), 60),
            "expires_at": clip(detail.get("expirationTime"), 40),
            "recipients": delayed,
        },
    )


def on_rendering_failure(
    session: Session, record: SesRecord, target: Target, _ctx: EventContext
) -> None:
    """An SES template could not be filled in; the message was not sent."""
    message = clip(record.detail.get("errorMessage")) or "unknown"
    template = clip(record.detail.get("templateName"), 200)
    add_event(
        session,
        record,
        target,
        EventType.RENDERING_FAILURE,
        {"template": template, "error": message},
    )
    if target.delivery is not None:
        target.delivery.last_error = f"SES could not render the message: {message}"
