"""What readers change in their preference centre: topics, language, pauses, empty issues.

Every change is stored at once and recorded as a PREFERENCES event naming what changed; the
sender re-checks each reader before each message, so a change also applies to a campaign that
is being sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from newsletter.models import Delivery, Event, EventSource, EventType, Subscriber, utcnow
from newsletter.subscriptions.topic_choices import set_topics

LOCALES = ("zh_CN", "en")
PAUSE_WEEKS = (1, 2, 4, 8)


class PreferenceError(ValueError):
    """A change the preference centre cannot make (unknown language, pause length, ...)."""


@dataclass(frozen=True)
class PreferenceChange:
    """The choices of the preference form."""

    topics: frozenset[str]
    locale: str
    receive_empty_issues: bool


def update_preferences(
    session: Session,
    subscriber: Subscriber,
    change: PreferenceChange,
    *,
    delivery: Delivery | None = None,
) -> list[str]:
    """Apply ``change``; return the names of the settings that changed (empty: none)."""
    if change.locale not in LOCALES:
        raise PreferenceError(f"unknown language {change.locale!r}")
    changed: list[str] = []
    if set_topics(session, subscriber, change.topics):
        changed.append("topics")
    if subscriber.locale != change.locale:
        subscriber.locale = change.locale
        changed.append("locale")
    if subscriber.receive_empty_issues != change.receive_empty_issues:
        subscriber.receive_empty_issues = change.receive_empty_issues
        changed.append("receive_empty_issues")
    if changed:
        _record(session, subscriber, delivery, {"changed": changed})
    return changed


def pause(
    session: Session,
    subscriber: Subscriber,
    weeks: int,
    *,
    delivery: Delivery | None = None,
    now: dt.datetime | None = None,
) -> dt.datetime:
    """Hold issues for ``weeks`` weeks from now; returns when they start again."""
    if weeks not in PAUSE_WEEKS:
        raise PreferenceError(f"a pause lasts {', '.join(map(str, PAUSE_WEEKS))} weeks")
    until = (now or utcnow()) + dt.timedelta(weeks=weeks)
    subscriber.paused_until = until
    _record(session, subscriber, delivery, {"paused_until": until.isoformat()})
    return until


def resume(session: Session, subscriber: Subscriber, *, delivery: Delivery | None = None) -> bool:
    """End a pause now; False when the reader was not paused."""
    if not is_paused(subscriber):
        return False
    subscriber.paused_until = None
    _record(session, subscriber, delivery, {"paused_until": None})
    return True


def is_paused(subscriber: Subscriber, now: dt.datetime | None = None) -> bool:
    """Whether the reader's issues are on hold right now."""
    until = subscriber.paused_until
    return until is not None and until > (now or utcnow())


def _record(
    session: Session,
    subscriber: Subscriber,
    delivery: Delivery | None,
    detail: dict[str, object],
) -> None:
    session.add(
        Event(
            type=EventType.PREFERENCES,
            source=EventSource.READER,
            subscriber_id=subscriber.id,
            campaign_id=delivery.campaign_id if delivery is not None else None,
            delivery_id=delivery.id if delivery is not None else None,
            detail=detail,
        )
    )
    session.flush()
