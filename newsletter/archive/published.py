"""Which issues the public archive shows, and finding them.

An issue is **published** when one of its campaigns has started sending and was not
cancelled: the campaign's ``started_at`` is set and its status is ``sending``, ``paused`` or
``sent``. From that moment readers hold the issue in their inbox, so its "view in browser"
link must work. An issue whose ``published_at`` the delivery engine set (when a campaign
completed) is published too. Drafts, issues that are only scheduled, issues whose every
campaign was cancelled before it started, and issues an editor took out of the archive
(``Issue.in_archive`` false) are never shown. An issue's publication time is the earliest
start among those campaigns, else its ``published_at``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import func

from newsletter.models import (
    Campaign,
    CampaignStatus,
    Issue,
    IssueItem,
    IssueSection,
    ItemTopic,
    Topic,
)
from newsletter.pagination import Page, paginate

#: Statuses of a campaign whose issue readers may already have received.
SLUG_MAX = 80
PUBLISHED_STATUSES = (CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.SENT)


@dataclass(frozen=True)
class ArchiveEntry:
    """A published issue and when it was published."""

    issue: Issue
    published_at: dt.datetime


def _publication_times() -> Select[int, dt.datetime | None]:
    return (
        select(Campaign.issue_id, func.min(Campaign.started_at).label("published_at"))
        .where(Campaign.status.in_(PUBLISHED_STATUSES), Campaign.started_at.is_not(None))
        .group_by(Campaign.issue_id)
    )


def _published_query(topic: str | None = None) -> Select[Issue, dt.datetime | None]:
    times = _publication_times().subquery()
    published_at = func.coalesce(times.c.published_at, Issue.published_at)
    query = (
        select(Issue, published_at)
        .outerjoin(times, times.c.issue_id == Issue.id)
        .where(Issue.in_archive.is_(True), published_at.is_not(None))
    )
    if topic:
        with_topic = (
            select(IssueSection.issue_id)
            .join(IssueItem, IssueItem.section_id == IssueSection.id)
            .join(ItemTopic, ItemTopic.item_id == IssueItem.id)
            .join(Topic, Topic.id == ItemTopic.topic_id)
            .where(Topic.slug == topic)
        )
        query = query.where(Issue.id.in_(with_topic))
    return query.order_by(published_at.desc(), Issue.id.desc())


def list_published(
    session: Session, *, number: int = 1, size: int = 20, topic: str | None = None
) -> Page[ArchiveEntry]:
    """Published issues, newest first, one page at a time; ``topic`` keeps issues with an
    item of that topic (a slug)."""
    page = paginate(session, _published_query(topic), number, size)
    entries = [_entry(issue, published_at) for issue, published_at in page.items]
    return Page(entries, page.total, page.number, page.size)


def latest_published(session: Session, limit: int) -> list[ArchiveEntry]:
    """The ``limit`` most recently published issues, newest first (for the feed)."""
    rows = session.execute(_published_query().limit(limit))
    return [_entry(issue, published_at) for issue, published_at in rows]


def find_published(session: Session, slug: str) -> ArchiveEntry | None:
    """The published issue at ``slug``, or None for unknown and unpublished slugs."""
    if len(slug) > SLUG_MAX or "\x00" in slug:  # no issue has one; PostgreSQL refuses NUL
        return None
    row = session.execute(_published_query().where(Issue.slug == slug)).first()
    return None if row is None else _entry(row[0], row[1])


def _entry(issue: Issue, published_at: dt.datetime | None) -> ArchiveEntry:
    # The query keeps only issues with a publication time, so it is never NULL here.
    assert published_at is not None
    return ArchiveEntry(issue, published_at)
