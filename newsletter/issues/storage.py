"""Storing an :class:`IssueDocument` in the database and loading it back.

The document is the unit of editing: an import stores a whole document in one go, an edit
replaces the issue's content with the edited document and bumps the revision, and rendering
always starts from :func:`load_document`. Topic assignments keep where they came from (the
keyword rules or an editor) and the keywords that matched.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.issues.document import IssueDocument, Item, Section, SourceLink
from newsletter.models import (
    Issue,
    IssueItem,
    IssueSection,
    ItemField,
    ItemSource,
    ItemTopic,
    Topic,
    TopicOrigin,
)


class UnknownTopic(ValueError):
    """An item names a topic slug that does not exist."""


def create_issue(
    session: Session,
    document: IssueDocument,
    *,
    source_format: str = "text",
    source_text: str = "",
    created_by_id: int | None = None,
    editor_topics: bool = False,
) -> Issue:
    """Add a new issue holding ``document``; the caller commits.

    ``editor_topics`` marks the items' topics as set by an editor rather than suggested.
    """
    issue = Issue(
        slug=_free_slug(session, document.date),
        source_format=source_format,
        source_text=source_text,
        created_by_id=created_by_id,
        revision=1,
    )
    _fill(session, issue, document, editor_topics)
    session.add(issue)
    session.flush()
    return issue


def replace_content(
    session: Session, issue: Issue, document: IssueDocument, *, editor_topics: bool = True
) -> Issue:
    """Replace an issue's content with an edited document and bump its revision."""
    issue.sections.clear()
    session.flush()
    _fill(session, issue, document, editor_topics)
    issue.revision += 1
    session.flush()
    return issue


def load_document(issue: Issue) -> IssueDocument:
    """The issue as a document, in reading order, with topics and their reasons."""
    return IssueDocument(
        title=issue.title,
        date=issue.issue_date,
        window=issue.window,
        timezone=issue.timezone,
        subject=issue.subject,
        preheader=issue.preheader,
        sections=[
            Section(
                kind=section.kind,
                title=section.title,
                paragraphs=list(section.paragraphs),
                items=[_load_item(item) for item in section.items],
            )
            for section in issue.sections
        ],
    )


def _load_item(item: IssueItem) -> Item:
    ordered = sorted(item.topics, key=lambda row: (row.topic.position, row.topic.slug))
    return Item(
        title=item.title,
        fields={field.label: field.text for field in item.fields},
        sources=[SourceLink(s.publisher, s.title, s.url) for s in item.sources],
        topics=[row.topic.slug for row in ordered],
        topic_matches={row.topic.slug: list(row.matched) for row in ordered if row.matched},
    )


def _fill(session: Session, issue: Issue, document: IssueDocument, editor_topics: bool) -> None:
    issue.title = document.title
    issue.issue_date = document.date
    issue.window = document.window
    issue.timezone = document.timezone
    issue.subject = document.subject
    issue.preheader = document.preheader
    topics = _topics_by_slug(session, document)
    issue.sections = [
        IssueSection(
            position=position,
            kind=section.kind,
            title=section.title,
            paragraphs=list(section.paragraphs),
            items=[
                _build_item(index, item, topics, editor_topics)
                for index, item in enumerate(section.items)
            ],
        )
        for position, section in enumerate(document.sections)
    ]


def _build_item(
    position: int, item: Item, topics: dict[str, Topic], editor_topics: bool
) -> IssueItem:
    origin = TopicOrigin.EDITOR if editor_topics else TopicOrigin.RULE
    return IssueItem(
        position=position,
        title=item.title,
        fields=[
            ItemField(position=i, label=label, text=text)
            for i, (label, text) in enumerate(item.fields.items())
        ],
        sources=[
            ItemSource(position=i, publisher=s.publisher, title=s.title, url=s.url)
            for i, s in enumerate(item.sources)
        ],
        topics=[
            ItemTopic(
                topic=topics[slug],
                origin=TopicOrigin.RULE
                if slug in item.topic_matches and not editor_topics
                else origin,
                matched=list(item.topic_matches.get(slug, [])),
            )
            for slug in dict.fromkeys(item.topics)
        ],
    )


def _topics_by_slug(session: Session, document: IssueDocument) -> dict[str, Topic]:
    wanted = {slug for item in document.items() for slug in item.topics}
    if not wanted:
        return {}
    found = {t.slug: t for t in session.scalars(select(Topic).where(Topic.slug.in_(wanted)))}
    missing = sorted(wanted - found.keys())
    if missing:
        raise UnknownTopic(f"unknown topic(s): {', '.join(missing)}")
    return found


def _free_slug(session: Session, date: dt.date | None) -> str:
    """The issue date as a slug, with -2, -3, ... when that date is taken."""
    base = date.isoformat() if date else dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    taken = set(
        session.scalars(
            select(Issue.slug).where(func.substr(Issue.slug, 1, len(base)) == base)
        ).all()
    )
    if base not in taken:
        return base
    counter = 2
    while f"{base}-{counter}" in taken:
        counter += 1
    return f"{base}-{counter}"
