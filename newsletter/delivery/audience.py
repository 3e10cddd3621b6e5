"""The audience of a campaign: its rule, and the snapshot of readers into the ledger.

The snapshot is one ``INSERT ... SELECT``: a delivery row per eligible reader, written in
the caller's transaction, so a million readers never pass through Python and a reader who
joins a second later is simply not in it. Eligible means confirmed, not on the suppression
list, not pausing issues right now, and meeting the campaign's topic rule.

Each row carries the reader's variant key as :func:`newsletter.topics.variant_key` makes it
from the reader's topics and those today's issue uses, so every reader of one effective mix
shares one render. A reader whose topics have no item today (key ``-``, general parts only)
is left out when they said not to receive such issues; a reader who chose no topic at all
asked for the general parts and always gets them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from newsletter.delivery.errors import AudienceError
from newsletter.models import (
    Campaign,
    Delivery,
    DeliveryState,
    IssueItem,
    IssueSection,
    ItemTopic,
    Subscriber,
    SubscriberStatus,
    SubscriberTopic,
    Suppression,
    Topic,
    utcnow,
)
from newsletter.models.base import UTCDateTime
from newsletter.topics import GENERAL_ONLY_KEY
from newsletter.tracking.rows import affected_rows

MATCHES = ("any", "all")


def normalise(session: Session, audience: dict[str, Any] | None) -> dict[str, Any]:
    """A checked audience rule: {} (every reader) or {"topics": [sorted slugs], "match": ...}.

    Raises :class:`AudienceError` naming unknown topics or an unknown match.
    """
    if not audience:
        return {}
    unknown_keys = set(audience) - {"topics", "match"}
    if unknown_keys:
        raise AudienceError(f"unknown audience keys: {', '.join(sorted(unknown_keys))}")
    given = audience.get("topics") or []
    if isinstance(given, str):
        given = given.split(",")
    topics = sorted({str(slug).strip() for slug in given if str(slug).strip()})
    match = str(audience.get("match") or "any")
    if match not in MATCHES:
        raise AudienceError(f"audience match must be 'any' or 'all', not {match!r}")
    if not topics:
        return {}
    known = set(session.scalars(select(Topic.slug).where(Topic.slug.in_(topics))))
    missing = [slug for slug in topics if slug not in known]
    if missing:
        raise AudienceError(f"unknown topics in the audience: {', '.join(missing)}")
    return {"topics": topics, "match": match}


def describe(audience: dict[str, Any]) -> str:
    """The rule in words for pages and commands: "every reader", "any of capital, compute"."""
    if not audience.get("topics"):
        return "every reader"
    return f"{audience.get('match', 'any')} of {', '.join(audience['topics'])}"


def snapshot(session: Session, campaign: Campaign) -> int:
    """Write one queued delivery row per eligible reader; returns how many were written.

    Safe to run twice: readers who already have a row for the campaign are not added again.
    """
    issue_topics = _issue_topics(session, campaign.issue_id)
    now = utcnow()
    readers = (
        select(
            literal(campaign.id),
            Subscriber.id,
            _variant_key(issue_topics),
            literal(DeliveryState.QUEUED.value),
            literal(0),
            literal(now, UTCDateTime()),
            literal(now, UTCDateTime()),
        )
        .where(*_eligible(campaign, issue_topics, now))
        .order_by(Subscriber.id)
    )
    columns = ["campaign_id", "subscriber_id", "variant_key", "state", "attempts",
               "created_at", "updated_at"]  # fmt: skip
    statement = _insert_new_rows(session).from_select(columns, readers)
    # A reader who has a row already keeps it. Not an anti-join on the ledger in the SELECT:
    # on PostgreSQL that join would rescan the heap growing under the same INSERT.
    statement = statement.on_conflict_do_nothing(index_elements=["campaign_id", "subscriber_id"])
    # SQLAlchemy keeps an INSERT's row count only when asked to.
    result = session.execute(statement.execution_options(preserve_rowcount=True))
    return affected_rows(result)


def _insert_new_rows(session: Session) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING (both databases do)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert(Delivery)
    return sqlite_insert(Delivery)


def _issue_topics(session: Session, issue_id: int) -> list[tuple[str, int]]:
    """(slug, id) of every topic an item of the issue carries, sorted by slug."""
    rows = session.execute(
        select(Topic.slug, Topic.id)
        .join(ItemTopic, ItemTopic.topic_id == Topic.id)
        .join(IssueItem, IssueItem.id == ItemTopic.item_id)
        .join(IssueSection, IssueSection.id == IssueItem.section_id)
        .where(IssueSection.issue_id == issue_id)
        .distinct()
    ).all()
    return sorted((slug, topic_id) for slug, topic_id in rows)


def _chose(topic_ids: Sequence[int] | None = None) -> ColumnElement[bool]:
    """The reader chose a topic (one of ``topic_ids`` when given)."""
    condition = SubscriberTopic.subscriber_id == Subscriber.id
    if topic_ids is not None:
        condition = and_(condition, SubscriberTopic.topic_id.in_(topic_ids))
    return exists().where(condition)


def _variant_key(issue_topics: list[tuple[str, int]]) -> ColumnElement[str]:
    """SQL for the reader's key: their topics that the issue uses, sorted, joined by ``+``.

    Spelt as one CASE per topic of the issue (a handful), concatenated in slug order, so the
    key is the same on PostgreSQL and SQLite without an ordered string aggregate.
    """
    if not issue_topics:
        return literal(GENERAL_ONLY_KEY, String())
    parts: ColumnElement[str] = literal("", String())
    for slug, topic_id in issue_topics:
        part = func.coalesce(
            select(literal(f"+{slug}", String()))
            .where(
                SubscriberTopic.subscriber_id == Subscriber.id,
                SubscriberTopic.topic_id == topic_id,
            )
            .scalar_subquery(),
            literal("", String()),
        )
        parts = type_coerce(parts.concat(part), String())
    joined = func.substr(parts, 2)
    return type_coerce(
        func.coalesce(func.nullif(joined, ""), literal(GENERAL_ONLY_KEY, String())), String()
    )


def _eligible(
    campaign: Campaign, issue_topics: list[tuple[str, int]], now: Any
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the snapshot."""
    suppressed = exists().where(
        Suppression.email == Subscriber.email, Suppression.lifted_at.is_(None)
    )
    conditions = [
        Subscriber.status == SubscriberStatus.CONFIRMED,
        not_(suppressed),
        or_(Subscriber.paused_until.is_(None), Subscriber.paused_until <= now),
        # The empty-issue choice: only readers with topics, none of them in today's issue.
        or_(
            Subscriber.receive_empty_issues.is_(True),
            not_(_chose()),
            _chose([topic_id for _, topic_id in issue_topics]),
        ),
    ]
    rule = _topic_rule(campaign.audience)
    if rule is not None:
        conditions.append(rule)
    return conditions


def _topic_rule(audience: dict[str, Any]) -> ColumnElement[bool] | None:
    """The audience's topic condition: the reader chose any (or all) of its topics."""
    slugs = list(audience.get("topics") or [])
    if not slugs:
        return None
    ids = select(Topic.id).where(Topic.slug.in_(slugs)).scalar_subquery()
    if audience.get("match") == "all":
        chosen = (
            select(func.count())
            .select_from(SubscriberTopic)
            .join(Topic, Topic.id == SubscriberTopic.topic_id)
            .where(SubscriberTopic.subscriber_id == Subscriber.id, Topic.slug.in_(slugs))
            .scalar_subquery()
        )
        return chosen == len(slugs)
    return exists().where(
        SubscriberTopic.subscriber_id == Subscriber.id, SubscriberTopic.topic_id.in_(ids)
    )
