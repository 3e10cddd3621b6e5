"""Deciding what each line of an import does to the list, a batch at a time.

The rules of ``subscribers/README.md``: suppression wins, a status is never lowered (a reader
who left stays gone; ``pending`` never undoes ``confirmed``), an existing reader changes only
where the file says something different, and consent records are never overwritten. Lines
that mark a reader as unsubscribed, bounced or complained (an export of another list) are
honoured: the reader leaves and the address is suppressed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import (
    Subscriber,
    SubscriberStatus,
    SubscriberTopic,
    Suppression,
    SuppressionReason,
    Topic,
)
from newsletter.subscriptions.signup import LEFT_STATUSES
from newsletter.subscriptions.transfer.rows import ImportRow
from newsletter.subscriptions.transfer.sqlsets import member_of

LOOKUP_CHUNK = 2000
SUPPRESSION_FOR = {
    SubscriberStatus.UNSUBSCRIBED: SuppressionReason.UNSUBSCRIBED,
    SubscriberStatus.BOUNCED: SuppressionReason.HARD_BOUNCE,
    SubscriberStatus.COMPLAINED: SuppressionReason.COMPLAINT,
}
_UPDATABLE = ("name", "locale", "time_zone", "receive_empty_issues")


class Outcome(StrEnum):
    """What a line does (or would do, in a dry run)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class LineResult:
    """One line's outcome; ``reason`` says why it was rejected or what it changes."""

    line: int
    email: str
    outcome: Outcome
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Existing:
    """What the list holds for an address, as far as an import may change it."""

    id: int
    status: SubscriberStatus
    name: str
    locale: str
    time_zone: str
    receive_empty_issues: bool
    topics: frozenset[str]


@dataclass
class Change:
    """An update of one existing reader."""

    subscriber_id: int
    email: str
    values: dict[str, Any]
    topics: frozenset[str] | None
    suppress: SuppressionReason | None


@dataclass
class BatchPlan:
    """The writes one batch needs and every line's outcome."""

    creates: list[ImportRow] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    results: list[LineResult] = field(default_factory=list)


def plan_batch(session: Session, rows: Sequence[ImportRow], now: dt.datetime) -> BatchPlan:
    """Look the batch's addresses up in bulk and decide each line."""
    emails = [row.email for row in rows]
    existing = load_existing(session, emails)
    suppressed = load_suppressed(session, emails)
    plan = BatchPlan()
    for row in rows:
        _decide(plan, row, existing.get(row.email), suppressed.get(row.email), now)
    return plan


def _decide(
    plan: BatchPlan,
    row: ImportRow,
    current: Existing | None,
    suppression: SuppressionReason | None,
    now: dt.datetime,
) -> None:
    leaving = row.status in LEFT_STATUSES
    if current is not None and current.status in LEFT_STATUSES:
        if leaving:
            plan.results.append(LineResult(row.line, row.email, Outcome.UNCHANGED))
            return
        reason = (
            f"the reader left ({current.status.value}); they come back only through "
            "a new double opt-in"
        )
        plan.results.append(LineResult(row.line, row.email, Outcome.REJECTED, reason))
        return
    if suppression is not None and not leaving:
        reason = (
            f"the address is on the suppression list ({suppression.value}); it comes back "
            "only through a new double opt-in"
        )
        plan.results.append(LineResult(row.line, row.email, Outcome.REJECTED, reason))
        return
    if current is None:
        plan.creates.append(row)
        plan.results.append(LineResult(row.line, row.email, Outcome.CREATED))
        return
    change = _change(row, current, suppression, now)
    if change is None:
        plan.results.append(LineResult(row.line, row.email, Outcome.UNCHANGED))
        return
    plan.changes.append(change)
    what = sorted({*change.values, *(["topics"] if change.topics is not None else [])})
    plan.results.append(LineResult(row.line, row.email, Outcome.UPDATED, ", ".join(what)))


def _change(
    row: ImportRow, current: Existing, suppression: SuppressionReason | None, now: dt.datetime
) -> Change | None:
    values: dict[str, Any] = {}
    for name in _UPDATABLE:
        wanted = getattr(row, name)
        if wanted is not None and wanted != getattr(current, name):
            values[name] = wanted
    topics = row.topics if row.topics is not None and row.topics != current.topics else None
    suppress: SuppressionReason | None = None
    if row.status in LEFT_STATUSES:
        values.update(status=row.status, unsubscribed_at=row.unsubscribed_at or now)
        suppress = None if suppression is not None else SUPPRESSION_FOR[row.status]
    elif row.status is SubscriberStatus.CONFIRMED and current.status is SubscriberStatus.PENDING:
        values.update(status=row.status, **consent_values(row))
    if not values and topics is None:
        return None
    return Change(current.id, row.email, values, topics, suppress)


def consent_values(row: ImportRow) -> dict[str, Any]:
    """The consent record a line brings, for a reader it confirms or creates."""
    confirmed = row.status is SubscriberStatus.CONFIRMED
    return {
        "consent_at": row.consent_at,
        "consent_method": row.consent_method,
        "consent_ip": row.consent_ip,
        "consent_form": row.consent_form,
        "confirmed_at": (row.confirmed_at or row.consent_at) if confirmed else None,
    }


def load_existing(session: Session, emails: Iterable[str]) -> dict[str, Existing]:
    """The readers already on the list among ``emails``, with their topics."""
    found: dict[str, Existing] = {}
    for chunk in _chunks(list(emails)):
        rows = session.execute(
            select(
                Subscriber.id,
                Subscriber.email,
                Subscriber.status,
                Subscriber.name,
                Subscriber.locale,
                Subscriber.time_zone,
                Subscriber.receive_empty_issues,
            ).where(member_of(session, Subscriber.email, chunk))
        ).all()
        topics = _topics_of(session, [row.id for row in rows])
        for row in rows:
            found[row.email] = Existing(
                row.id,
                row.status,
                row.name,
                row.locale,
                row.time_zone,
                row.receive_empty_issues,
                topics.get(row.id, frozenset()),
            )
    return found


def load_suppressed(session: Session, emails: Iterable[str]) -> dict[str, SuppressionReason]:
    """Active suppression reasons among ``emails``."""
    found: dict[str, SuppressionReason] = {}
    for chunk in _chunks(list(emails)):
        rows = session.execute(
            select(Suppression.email, Suppression.reason).where(
                member_of(session, Suppression.email, chunk), Suppression.lifted_at.is_(None)
            )
        )
        found.update(rows.all())
    return found


def _topics_of(session: Session, subscriber_ids: list[int]) -> dict[int, frozenset[str]]:
    if not subscriber_ids:
        return {}
    pairs = session.execute(
        select(SubscriberTopic.subscriber_id, Topic.slug)
        .join(Topic, Topic.id == SubscriberTopic.topic_id)
        .where(member_of(session, SubscriberTopic.subscriber_id, subscriber_ids))
    )
    collected: dict[int, set[str]] = {}
    for subscriber_id, slug in pairs:
        collected.setdefault(subscriber_id, set()).add(slug)
    return {key: frozenset(value) for key, value in collected.items()}


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), LOOKUP_CHUNK):
        yield items[start : start + LOOKUP_CHUNK]
