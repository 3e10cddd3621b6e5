"""A reader's own data: everything held about them, and erasing it.

Erasure deletes the subscriber row; their deliveries and events stay for the campaign totals
with no reference to them (the foreign keys are ON DELETE SET NULL), after the IP addresses,
user agents and error texts that could point back to them are blanked. An active suppression
entry is kept (address and reason only): an address that unsubscribed, bounced or complained
must never be mailed again, and the entry is what guarantees it. A reader who was still
subscribed leaves no entry behind; signing up again needs a new double opt-in either way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import (
    Campaign,
    Delivery,
    Event,
    Subscriber,
    Suppression,
    utcnow,
)

ERASED = "[erased]"


def reader_data(session: Session, subscriber: Subscriber) -> dict[str, Any]:
    """Everything held about ``subscriber``, as JSON-ready data (no other reader's data)."""
    return {
        "generated_at": _iso(utcnow()),
        "subscriber": _profile(subscriber),
        "topics": [
            {"slug": t.slug, "name_zh": t.name_zh, "name_en": t.name_en} for t in subscriber.topics
        ],
        "consent": {
            "at": _iso(subscriber.consent_at),
            "method": subscriber.consent_method.value if subscriber.consent_method else None,
            "ip": subscriber.consent_ip,
            "form": subscriber.consent_form,
        },
        "events": _events(session, subscriber.id),
        "deliveries": _deliveries(session, subscriber.id),
        "suppressions": _suppressions(session, subscriber.email),
    }


def erase_reader(session: Session, subscriber: Subscriber, *, actor: audit.Actor) -> bool:
    """Delete everything that names ``subscriber``; True when a suppression entry was kept."""
    email, subscriber_id = subscriber.email, subscriber.id
    _blank_traces(session, subscriber_id, email)
    kept = _keep_only_active_suppression(session, email)
    session.delete(subscriber)
    audit.record(
        session,
        "subscriber.erase",
        actor=actor,
        entity_type="subscriber",
        entity_id=subscriber_id,
        detail={"kept_suppression": kept},
    )
    session.flush()
    return kept


def _blank_traces(session: Session, subscriber_id: int, email: str) -> None:
    """Blank what could point back to the reader in the rows kept for campaign totals."""
    session.execute(
        update(Event)
        .where(Event.subscriber_id == subscriber_id)
        .values(ip=None, user_agent=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Delivery)
        .where(Delivery.subscriber_id == subscriber_id, Delivery.last_error.is_not(None))
        .values(last_error=func.replace(Delivery.last_error, email, ERASED))
        .execution_options(synchronize_session=False)
    )


def _keep_only_active_suppression(session: Session, email: str) -> bool:
    """Lifted entries are history about this person and go; an active one stays, stripped of
    notes, because it is what keeps the address from being mailed again."""
    session.execute(
        delete(Suppression).where(Suppression.email == email, Suppression.lifted_at.is_not(None))
    )
    kept = session.scalar(
        select(func.count())
        .select_from(Suppression)
        .where(Suppression.email == email, Suppression.lifted_at.is_(None))
    )
    session.execute(
        update(Suppression)
        .where(Suppression.email == email)
        .values(note="", source="erased at the reader's request")
        .execution_options(synchronize_session=False)
    )
    return bool(kept)


def _profile(subscriber: Subscriber) -> dict[str, Any]:
    return {
        "email": subscriber.email,
        "name": subscriber.name,
        "status": subscriber.status.value,
        "locale": subscriber.locale,
        "time_zone": subscriber.time_zone,
        "receive_empty_issues": subscriber.receive_empty_issues,
        "paused_until": _iso(subscriber.paused_until),
        "created_at": _iso(subscriber.created_at),
        "updated_at": _iso(subscriber.updated_at),
        "confirmation_sent_at": _iso(subscriber.confirmation_sent_at),
        "confirmed_at": _iso(subscriber.confirmed_at),
        "unsubscribed_at": _iso(subscriber.unsubscribed_at),
        "soft_bounce_streak": subscriber.soft_bounce_streak,
    }


def _events(session: Session, subscriber_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Event).where(Event.subscriber_id == subscriber_id).order_by(Event.occurred_at)
    )
    return [
        {
            "type": event.type.value,
            "source": event.source.value,
            "occurred_at": _iso(event.occurred_at),
            "campaign_id": event.campaign_id,
            "delivery_id": event.delivery_id,
            "ip": event.ip,
            "user_agent": event.user_agent,
            "machine": event.is_machine,
            "detail": event.detail,
        }
        for event in rows
    ]


def _deliveries(session: Session, subscriber_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Delivery, Campaign.name)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.subscriber_id == subscriber_id)
        .order_by(Delivery.id)
    )
    moments = ("sent_at", "delivered_at", "opened_at", "clicked_at", "bounced_at")
    return [
        {
            "campaign_id": delivery.campaign_id,
            "campaign": name,
            "state": delivery.state.value,
            **{key: _iso(getattr(delivery, key)) for key in moments},
            "complained_at": _iso(delivery.complained_at),
            "unsubscribed_at": _iso(delivery.unsubscribed_at),
        }
        for delivery, name in rows
    ]


def _suppressions(session: Session, email: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Suppression).where(Suppression.email == email).order_by(Suppression.created_at)
    )
    return [
        {
            "reason": entry.reason.value,
            "source": entry.source,
            "note": entry.note,
            "created_at": _iso(entry.created_at),
            "lifted_at": _iso(entry.lifted_at),
            "lift_reason": entry.lift_reason,
        }
        for entry in rows
    ]


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
