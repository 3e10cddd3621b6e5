"""SES events from the reader's side: Bounce, Complaint and Subscription.

Hard bounces and complaints suppress the address at once; transient bounces count in a row
and suppress at ``NEWSLETTER_SOFT_BOUNCE_LIMIT``; a Subscription event mirrors a reader's
choice made through SES's own unsubscribe page. Addresses that belong to no reader (a bounce
of a confirmation email to a mistyped address) are suppressed all the same.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import EventSource, EventType, Subscriber, SuppressionReason, Topic
from newsletter.subscriptions.leaving import mark_bounced, mark_complained, unsubscribe
from newsletter.subscriptions.suppression import suppress
from newsletter.tracking.firsts import set_first
from newsletter.tracking.ses.records import SesRecord, recipients
from newsletter.tracking.ses.target import EventContext, Target, add_event, affected, clip

# Permanent bounces of addresses already on the account's suppression list: SES did not try,
# and they do not count toward SES's bounce rate (the flag lets alarms leave them out).
NOT_COUNTED_SUBTYPE = "OnAccountSuppressionList"


def on_bounce(session: Session, record: SesRecord, target: Target, ctx: EventContext) -> None:
    """Permanent: suppress now. Transient or undetermined: one more in the reader's streak."""
    bounce = record.detail
    kind = clip(bounce.get("bounceType"), 40) or "Undetermined"
    subtype = clip(bounce.get("bounceSubType"), 60) or "Undetermined"
    source = f"ses:bounce:{kind}/{subtype}"
    for address, reader, item in affected(
        session, target, recipients(bounce.get("bouncedRecipients"))
    ):
        detail = {
            "bounce_type": kind,
            "bounce_subtype": subtype,
            "permanent": kind == "Permanent",
            "counts_toward_rate": subtype != NOT_COUNTED_SUBTYPE,
            "status": clip(item.get("status"), 20),
            "action": clip(item.get("action"), 20),
            "diagnostic": clip(item.get("diagnosticCode")),
        }
        add_event(session, record, target, EventType.BOUNCE, detail, subscriber=reader)
        if kind == "Permanent":
            _hard_bounce(session, record, target, address=address, reader=reader, source=source)
        elif reader is not None:
            _soft_bounce(session, target, reader, ctx.settings.soft_bounce_limit, source)


def _hard_bounce(
    session: Session,
    record: SesRecord,
    target: Target,
    *,
    address: str,
    reader: Subscriber | None,
    source: str,
) -> None:
    if target.delivery is not None:
        set_first(session, "bounced_at", {target.delivery.id: record.timestamp})
    if reader is not None:
        mark_bounced(session, reader, source=source, delivery=target.delivery)
    else:
        suppress(session, address, SuppressionReason.HARD_BOUNCE, source=source, actor=audit.SYSTEM)


def _soft_bounce(
    session: Session, target: Target, reader: Subscriber, limit: int, source: str
) -> None:
    # One atomic increment: two processors handling two bounces of one reader both count.
    streak = session.execute(
        update(Subscriber)
        .where(Subscriber.id == reader.id)
        .values(soft_bounce_streak=Subscriber.soft_bounce_streak + 1)
        .returning(Subscriber.soft_bounce_streak)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    session.refresh(reader)
    if streak >= limit:
        note = f"{streak} transient bounces in a row"
        suppress(
            session,
            reader.email,
            SuppressionReason.SOFT_BOUNCES,
            source=source,
            note=note,
            actor=audit.SYSTEM,
        )
        mark_bounced(session, reader, source=source, delivery=target.delivery)


def on_complaint(session: Session, record: SesRecord, target: Target, _ctx: EventContext) -> None:
    """A spam complaint: unsubscribe and suppress, unless the report says "not spam"."""
    complaint = record.detail
    feedback = clip(complaint.get("complaintFeedbackType"), 40)
    subtype = clip(complaint.get("complaintSubType"), 60)
    items = recipients(complaint.get("complainedRecipients"))
    for address, reader, _item in affected(session, target, items):
        detail = {
            "feedback_type": feedback,
            "complaint_subtype": subtype,
            "user_agent": clip(complaint.get("userAgent"), 200),
            "counts_toward_rate": subtype != NOT_COUNTED_SUBTYPE,
        }
        add_event(session, record, target, EventType.COMPLAINT, detail, subscriber=reader)
        if feedback == "not-spam":
            continue  # the reader told their provider this mail is wanted
        if target.delivery is not None:
            set_first(session, "complained_at", {target.delivery.id: record.timestamp})
        if reader is not None:
            mark_complained(session, reader, source="ses:complaint", delivery=target.delivery)
        else:
            suppress(
                session,
                address,
                SuppressionReason.COMPLAINT,
                source="ses:complaint",
                actor=audit.SYSTEM,
            )


def on_subscription(
    session: Session, record: SesRecord, target: Target, _ctx: EventContext
) -> None:
    """A change made through SES subscription management: mirror leaving and topic opt-outs."""
    change = record.detail
    given = change.get("newTopicPreferences")
    new: dict[str, Any] = given if isinstance(given, dict) else {}
    leave_all = bool(new.get("unsubscribeAll"))
    dropped = _opted_out(new.get("topicSubscriptionStatus"))
    reader = target.subscriber
    removed = _remove_topics(session, reader, dropped) if reader and not leave_all else []
    add_event(
        session,
        record,
        target,
        EventType.SUBSCRIPTION,
        {
            "contact_list": clip(change.get("contactList"), 200),
            "source": clip(change.get("source"), 60),
            "unsubscribe_all": leave_all,
            "topics_removed": removed,
        },
    )
    if leave_all and reader is not None:
        unsubscribe(
            session,
            reader,
            source=f"ses:{clip(change.get('source'), 60) or 'subscription'}",
            delivery=target.delivery,
            event_source=EventSource.SES,
            actor=audit.SYSTEM,
        )


def _opted_out(statuses: Any) -> set[str]:
    if not isinstance(statuses, list):
        return set()
    return {
        item["topicName"]
        for item in statuses
        if isinstance(item, dict)
        and isinstance(item.get("topicName"), str)
        and item.get("subscriptionStatus") == "OptOut"
    }


def _remove_topics(session: Session, reader: Subscriber, slugs: set[str]) -> list[str]:
    if not slugs:
        return []
    leaving = set(session.scalars(select(Topic.slug).where(Topic.slug.in_(sorted(slugs)))))
    removed = sorted(topic.slug for topic in reader.topics if topic.slug in leaving)
    if removed:
        reader.topics = [topic for topic in reader.topics if topic.slug not in leaving]
        audit.record(
            session,
            "subscriber.topics",
            actor=audit.SYSTEM,
            entity_type="subscriber",
            entity_id=reader.id,
            detail={"removed": removed, "source": "ses:subscription"},
        )
    return removed
