"""Admins' changes to topics: names, order, keyword rules, adding and disabling.

Topics are never deleted: readers' choices and past items point at them. A disabled topic
is no longer offered, suggested or assignable; enabling it again brings it all back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.issues.storage import load_document
from newsletter.issues.tagging import SECTION_TOPICS, TAGGED_KINDS, suggest_topics
from newsletter.models import Issue, Topic
from newsletter.topics.seed import is_topic_slug

#: Longer keywords are surely a pasted paragraph, not a rule.
MAX_KEYWORD_LENGTH = 80
MAX_KEYWORDS = 300


class TopicError(ValueError):
    """A topic change that cannot be made; the message says why and where."""


@dataclass(frozen=True)
class TopicChange:
    """What an admin sets for a topic."""

    name_zh: str
    name_en: str
    position: int
    keywords: list[str]
    active: bool


@dataclass(frozen=True)
class ItemMatch:
    """An item of the latest issue that a topic's rules would suggest, and the words why."""

    section: str
    title: str
    matched: list[str]


def parse_keywords(text: str) -> list[str]:
    """Keywords one per line, blank lines skipped, repeats (any case) dropped.

    Raises :class:`TopicError` naming the line of a keyword that is too long.
    """
    keywords: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        keyword = " ".join(line.split())
        if not keyword:
            continue
        if len(keyword) > MAX_KEYWORD_LENGTH:
            raise TopicError(
                f"line {number}: a keyword has at most {MAX_KEYWORD_LENGTH} characters"
            )
        if keyword.casefold() not in seen:
            seen.add(keyword.casefold())
            keywords.append(keyword)
    if len(keywords) > MAX_KEYWORDS:
        raise TopicError(f"at most {MAX_KEYWORDS} keywords per topic")
    return keywords


def update_topic(
    session: Session, topic: Topic, change: TopicChange, *, actor: audit.Actor
) -> list[str]:
    """Apply ``change`` to ``topic`` and audit it; returns the names of what changed."""
    wanted = {
        "name_zh": change.name_zh,
        "name_en": change.name_en,
        "position": change.position,
        "keywords": list(change.keywords),
        "active": change.active,
    }
    changed = [name for name, value in wanted.items() if getattr(topic, name) != value]
    if not changed:
        return []
    before = {name: getattr(topic, name) for name in changed}
    for name in changed:
        setattr(topic, name, wanted[name])
    audit.record(
        session,
        "topic.update",
        actor=actor,
        entity_type="topic",
        entity_id=topic.slug,
        detail={"before": before, "after": {name: wanted[name] for name in changed}},
    )
    session.flush()
    return changed


def add_topic(
    session: Session, slug: str, name_zh: str, name_en: str, *, actor: audit.Actor
) -> Topic:
    """A new active topic at the end of the order, without keywords yet."""
    if not is_topic_slug(slug):
        raise TopicError(
            "a slug is lower-case letters and digits joined by hyphens, like ai-safety"
        )
    if session.scalar(select(Topic.id).where(Topic.slug == slug)) is not None:
        raise TopicError(f"there is already a topic {slug}")
    last = session.scalar(select(func.max(Topic.position))) or 0
    topic = Topic(slug=slug, name_zh=name_zh, name_en=name_en, keywords=[], position=last + 1)
    session.add(topic)
    session.flush()
    audit.record(
        session,
        "topic.create",
        actor=actor,
        entity_type="topic",
        entity_id=slug,
        detail={"name_zh": name_zh, "name_en": name_en},
    )
    return topic


def latest_issue(session: Session) -> Issue | None:
    """The issue with the newest date (the newest imported among equals)."""
    query = select(Issue).order_by(Issue.issue_date.desc().nulls_last(), Issue.id.desc())
    return session.scalars(query.limit(1)).first()


def matches_in_issue(issue: Issue, slug: str, keywords: Sequence[str]) -> list[ItemMatch]:
    """The items of ``issue`` that ``keywords`` would suggest ``slug`` for, as tagging would."""
    doc = load_document(issue)
    found = []
    for section in doc.sections:
        if section.kind not in TAGGED_KINDS:
            continue
        for item in section.items:
            matched = suggest_topics(item, {slug: list(keywords)}).get(slug)
            if matched:
                found.append(ItemMatch(section.title, item.title, matched))
            elif slug in SECTION_TOPICS.get(section.kind, ()):
                found.append(ItemMatch(section.title, item.title, [f"section:{section.kind}"]))
    return found
