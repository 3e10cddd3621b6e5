"""An editor changing the topics of one item, without touching the rest of the issue.

Topics decide who receives an item, so they may change until the issue starts going out;
after that the readers' copies are fixed and the issue is locked.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.issues.storage import UnknownTopic
from newsletter.models import (
    Campaign,
    CampaignStatus,
    Issue,
    IssueItem,
    ItemTopic,
    Topic,
    TopicOrigin,
)

#: Statuses of a campaign that has (or may have) sent copies of its issue.
_SENT_STATUSES = (CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.SENT)


class IssueLocked(ValueError):
    """The issue has gone out, or is going out; its content can no longer change."""


def is_locked(session: Session, issue: Issue) -> bool:
    """True once a campaign of ``issue`` is sending, paused or sent."""
    query = select(
        exists().where(Campaign.issue_id == issue.id, Campaign.status.in_(_SENT_STATUSES))
    )
    return bool(session.scalar(query))


def set_item_topics(
    session: Session, item: IssueItem, slugs: Sequence[str], *, actor: audit.Actor
) -> None:
    """Give ``item`` exactly the topics ``slugs``, as the editor's choice; bump the revision.

    Keywords that matched a kept topic stay on record. Raises :class:`UnknownTopic` for a slug
    that does not exist and :class:`IssueLocked` once the issue is going out. The caller
    commits.
    """
    issue = item.section.issue
    if is_locked(session, issue):
        raise IssueLocked(f"issue {issue.id} has gone out; its topics can no longer change")
    wanted = list(dict.fromkeys(slugs))
    topics = {t.slug: t for t in session.scalars(select(Topic).where(Topic.slug.in_(wanted)))}
    missing = [slug for slug in wanted if slug not in topics]
    if missing:
        raise UnknownTopic(f"unknown topic(s): {', '.join(missing)}")
    before = {row.topic.slug: list(row.matched) for row in item.topics}
    # Old rows go first: a kept topic's new row has the same primary key as its old one.
    item.topics.clear()
    session.flush()
    item.topics = [
        ItemTopic(topic=topics[slug], origin=TopicOrigin.EDITOR, matched=before.get(slug, []))
        for slug in wanted
    ]
    issue.revision += 1
    session.flush()
    audit.record(
        session,
        "issue.item_topics",
        actor=actor,
        entity_type="issue",
        entity_id=issue.id,
        detail={"item_id": item.id, "before": sorted(before), "after": wanted},
    )
