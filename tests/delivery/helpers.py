"""Building blocks for the delivery tests: issues whose items carry topics, audit look-ups."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.audit import Actor
from newsletter.issues.document import SectionKind
from newsletter.models import (
    AuditEntry,
    Delivery,
    Issue,
    IssueItem,
    IssueSection,
    ItemTopic,
    Topic,
)
from tests.factories import make_issue

#: An operator acting without an account row (the commands' tests make real ones).
OPERATOR = Actor("staff", None, "operator@news.example.org")


def issue_with_topics(session: Session, *item_topics: Iterable[str]) -> Issue:
    """An issue with an overview and one item per entry of ``item_topics`` (its slugs)."""
    issue = make_issue(session)
    overview = IssueSection(issue_id=issue.id, position=0, kind=SectionKind.OVERVIEW,
                            title="概览", paragraphs=["今日要点"])  # fmt: skip
    events = IssueSection(issue_id=issue.id, position=1, kind=SectionKind.EVENTS, title="事件")
    session.add_all([overview, events])
    session.flush()
    for position, slugs in enumerate(item_topics):
        item = IssueItem(section_id=events.id, position=position, title=f"item {position}")
        session.add(item)
        session.flush()
        for slug in slugs:
            topic = session.scalars(select(Topic).where(Topic.slug == slug)).one()
            session.add(ItemTopic(item_id=item.id, topic_id=topic.id))
    session.flush()
    return issue


def audit_entries(session: Session, campaign_id: int) -> list[AuditEntry]:
    """The campaign's audit trail, oldest first."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "campaign", AuditEntry.entity_id == str(campaign_id))
            .order_by(AuditEntry.id)
        )
    )


def keys_by_reader(session: Session, campaign_id: int) -> dict[int | None, str]:
    """subscriber id -> variant key of the campaign's rows."""
    rows = session.execute(
        select(Delivery.subscriber_id, Delivery.variant_key).where(
            Delivery.campaign_id == campaign_id
        )
    )
    return {row.subscriber_id: row.variant_key for row in rows}
