"""Writing a planned batch with a handful of statements, whatever its size.

New readers go in with one multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING (a reader who
signs up while the import runs keeps their own row), their topics with one executemany, and
changed readers with one executemany UPDATE by primary key. The same statements run on
PostgreSQL and SQLite; only the INSERT construct is dialect-specific.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Insert, Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from newsletter.models import Subscriber, SubscriberTopic, Suppression
from newsletter.subscriptions.signup import LEFT_STATUSES
from newsletter.subscriptions.transfer import pgcopy
from newsletter.subscriptions.transfer.plan import (
    LOOKUP_CHUNK,
    SUPPRESSION_FOR,
    BatchPlan,
    Change,
    consent_values,
)
from newsletter.subscriptions.transfer.rows import ImportRow
from newsletter.subscriptions.transfer.sqlsets import member_of

IMPORT_SOURCE = "import"


@dataclass(frozen=True)
class NewReaderDefaults:
    """Values for new readers where the file has no column or an empty cell."""

    locale: str
    time_zone: str


def write_batch(
    session: Session,
    plan: BatchPlan,
    topic_ids: Mapping[str, int],
    defaults: NewReaderDefaults,
    now: dt.datetime,
) -> set[str]:
    """Apply ``plan``; returns the addresses created (others raced in and were left alone)."""
    created = _insert_readers(session, plan.creates, defaults, now)
    by_email = {row.email: row for row in plan.creates}
    topics = [
        (subscriber_id, slug)
        for email, subscriber_id in created.items()
        for slug in sorted(by_email[email].topics or ())
    ]
    suppressions = [
        (email, SUPPRESSION_FOR[by_email[email].status])
        for email in created
        if by_email[email].status in LEFT_STATUSES
    ]
    _update_readers(session, plan.changes, now)
    topics.extend(_clear_changed_topics(session, plan.changes))
    suppressions.extend((c.email, c.suppress) for c in plan.changes if c.suppress is not None)
    _insert_topics(
        session,
        [
            {"subscriber_id": i, "topic_id": topic_ids[slug], "created_at": now}
            for i, slug in topics
        ],
    )
    _insert_suppressions(session, suppressions, now)
    return set(created)


def _insert_readers(
    session: Session, rows: Sequence[ImportRow], defaults: NewReaderDefaults, now: dt.datetime
) -> dict[str, int]:
    if not rows:
        return {}
    values = [_new_reader(row, defaults, now) for row in rows]
    if _is_postgresql(session):
        columns = list(values[0])
        return pgcopy.insert_readers(session, columns, ([v[c] for c in columns] for v in values))
    table = cast(Table, Subscriber.__table__)
    # A plain executemany: with RETURNING, SQLAlchemy would render multi-row statements and
    # process every parameter of them, three times slower. The batch's creation time, unique
    # to the microsecond, tells our rows from any a reader added meanwhile.
    session.execute(sqlite.insert(table).on_conflict_do_nothing(index_elements=["email"]), values)
    emails = [value["email"] for value in values]
    created: dict[str, int] = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        found = select(table.c.email, table.c.id).where(
            table.c.email.in_(emails[start : start + LOOKUP_CHUNK]), table.c.created_at == now
        )
        created.update(session.execute(found).all())
    return created


def _new_reader(row: ImportRow, defaults: NewReaderDefaults, now: dt.datetime) -> dict[str, Any]:
    leaving = row.status in LEFT_STATUSES
    return {
        "email": row.email,
        "name": row.name or "",
        "status": row.status,
        "locale": row.locale or defaults.locale,
        "time_zone": row.time_zone or defaults.time_zone,
        "receive_empty_issues": True
        if row.receive_empty_issues is None
        else row.receive_empty_issues,
        "paused_until": None,
        **consent_values(row),
        "confirmation_sent_at": None,
        "unsubscribed_at": (row.unsubscribed_at or now) if leaving else None,
        "soft_bounce_streak": 0,
        "created_at": now,
        "updated_at": now,
    }


def _update_readers(session: Session, changes: Sequence[Change], now: dt.datetime) -> None:
    updates = [
        {"id": change.subscriber_id, **change.values, "updated_at": now}
        for change in changes
        if change.values
    ]
    # Grouped by the columns they set, each group is one executemany by primary key.
    for group in _by_keys(updates):
        session.execute(update(Subscriber), group)


def _clear_changed_topics(session: Session, changes: Sequence[Change]) -> list[tuple[int, str]]:
    """Delete the old choices of readers whose topics change; return the new pairs."""
    retopic = [change for change in changes if change.topics is not None]
    if retopic:
        ids = [change.subscriber_id for change in retopic]
        chose = member_of(session, SubscriberTopic.subscriber_id, ids)
        session.execute(delete(SubscriberTopic).where(chose))
    return [(c.subscriber_id, slug) for c in retopic for slug in sorted(c.topics or ())]


def _insert_topics(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if _is_postgresql(session):
        columns = ("subscriber_id", "topic_id", "created_at")
        pgcopy.copy_rows(
            session, "subscriber_topics", columns, ([r[c] for c in columns] for r in rows)
        )
        return
    session.execute(insert(cast(Table, SubscriberTopic.__table__)), rows)


def _insert_suppressions(
    session: Session, entries: Sequence[tuple[str, Any]], now: dt.datetime
) -> None:
    if not entries:
        return
    table = cast(Table, Suppression.__table__)
    statement = _dialect_insert(session, table).on_conflict_do_nothing(
        index_elements=["email"], index_where=table.c.lifted_at.is_(None)
    )
    session.execute(
        statement,
        [
            {"email": email, "reason": reason, "source": IMPORT_SOURCE, "created_at": now}
            for email, reason in entries
        ],
    )


def _dialect_insert(session: Session, table: Any) -> Any:
    """The dialect's INSERT on a Core table (ON CONFLICT needs the dialect's construct)."""
    module = postgresql if _is_postgresql(session) else sqlite
    statement: Insert = module.insert(table)
    return statement


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _by_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())
