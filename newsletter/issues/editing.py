"""The editor's changes to a stored issue: its details, the topics of its items, and its
whole content rewritten in the Markdown authoring format.

Each change bumps the issue's revision (renders are kept per revision) and is audited with
what changed. An issue whose campaign is sending or sent is history and refuses changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.issues.markdown_format import parse_markdown
from newsletter.issues.problems import Problem, ReportError
from newsletter.issues.status import issue_status
from newsletter.issues.storage import load_document, replace_content
from newsletter.models import CampaignStatus, Issue, IssueItem, ItemTopic, Topic, TopicOrigin

#: Campaign states after which an issue is what readers got and stays as it is.
FROZEN_STATES = frozenset({CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.SENT})


class IssueLocked(ValueError):
    """The issue is being sent or was sent; its content can no longer change."""


@dataclass(frozen=True)
class IssueDetails:
    """What the editor sets about an issue besides its content."""

    title: str
    date: dt.date | None
    subject: str
    preheader: str


def ensure_editable(session: Session, issue: Issue) -> None:
    """Raise :class:`IssueLocked` when the issue's newest campaign is sending or sent."""
    campaign = issue_status(session, issue).campaign
    if campaign is not None and campaign.status in FROZEN_STATES:
        raise IssueLocked(
            f"issue {issue.id} is {campaign.status.value} (campaign {campaign.id}); "
            "it can no longer be edited"
        )


def update_details(
    session: Session, issue: Issue, details: IssueDetails, *, actor: audit.Actor
) -> list[str]:
    """Set title, date, subject and preheader; returns the names of the fields that changed."""
    ensure_editable(session, issue)
    wanted = {
        "title": details.title,
        "issue_date": details.date,
        "subject": details.subject,
        "preheader": details.preheader,
    }
    changed = [name for name, value in wanted.items() if getattr(issue, name) != value]
    if not changed:
        return []
    before = {name: _plain(getattr(issue, name)) for name in changed}
    for name in changed:
        setattr(issue, name, wanted[name])
    issue.revision += 1
    audit.record(
        session,
        "issue.edit",
        actor=actor,
        entity_type="issue",
        entity_id=issue.id,
        detail={"before": before, "after": {name: _plain(wanted[name]) for name in changed}},
    )
    session.flush()
    return changed


def set_item_topics(
    session: Session,
    issue: Issue,
    chosen: Mapping[int, set[str]],
    *,
    actor: audit.Actor,
) -> dict[int, dict[str, list[str]]]:
    """Give each item in ``chosen`` (item id -> topic slugs) exactly those topics.

    Topics the rules suggested and the editor kept keep their matched keywords; added ones
    are marked as the editor's. Items of other issues and unknown or disabled slugs are
    refused with ``ValueError`` before anything changes. Returns the changes per item.
    """
    ensure_editable(session, issue)
    items = {item.id: item for section in issue.sections for item in section.items}
    foreign = sorted(set(chosen) - items.keys())
    if foreign:
        raise ValueError(f"item(s) {', '.join(map(str, foreign))} are not part of this issue")
    topics = _active_topics(session)
    unknown = sorted({slug for slugs in chosen.values() for slug in slugs} - topics.keys())
    if unknown:
        raise ValueError(f"unknown or disabled topic(s): {', '.join(unknown)}")
    changes = {
        item_id: change
        for item_id, slugs in chosen.items()
        if (change := _retopic(items[item_id], slugs, topics))
    }
    if changes:
        issue.revision += 1
        audit.record(
            session,
            "issue.topics",
            actor=actor,
            entity_type="issue",
            entity_id=issue.id,
            detail={"items": {str(item_id): change for item_id, change in changes.items()}},
        )
        session.flush()
    return changes


def _retopic(
    item: IssueItem, wanted: set[str], topics: Mapping[str, Topic]
) -> dict[str, list[str]]:
    current = {row.topic.slug: row for row in item.topics}
    removed = sorted(set(current) - wanted)
    added = sorted(wanted - set(current))
    for slug in removed:
        item.topics.remove(current[slug])
    for slug in added:
        item.topics.append(ItemTopic(topic=topics[slug], origin=TopicOrigin.EDITOR, matched=[]))
    if not (added or removed):
        return {}
    return {"added": added, "removed": removed}


def _active_topics(session: Session) -> dict[str, Topic]:
    rows = session.scalars(select(Topic).where(Topic.active.is_(True)))
    return {topic.slug: topic for topic in rows}


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def replace_from_markdown(
    session: Session, issue: Issue, text: str, *, actor: audit.Actor
) -> list[Problem]:
    """Replace the issue's content with the editor's Markdown; returns the warnings.

    Raises ``ReportError`` with every problem (line-numbered) and then changes nothing.
    Items that keep their title keep the keywords that suggested their topics, so the
    issue page can still say why.
    """
    ensure_editable(session, issue)
    warnings: list[Problem] = []
    doc = parse_markdown(text, warnings=warnings)
    reasons = {item.title: item.topic_matches for item in load_document(issue).items()}
    for item in doc.items():
        known = reasons.get(item.title, {})
        item.topic_matches = {slug: known[slug] for slug in item.topics if slug in known}
    # Checked before replacing: replace_content clears the old sections first.
    unknown = sorted(doc.topics_used() - _active_topics(session).keys())
    if unknown:
        message = f"unknown or disabled topic(s): {', '.join(unknown)}"
        raise ReportError([Problem(message)], warnings)
    replace_content(session, issue, doc, editor_topics=True)
    audit.record(
        session,
        "issue.edit_content",
        actor=actor,
        entity_type="issue",
        entity_id=issue.id,
        detail={"revision": issue.revision, "sections": len(doc.sections)},
    )
    return warnings
