"""The stored link registry of an issue: what click URLs' positions point at.

Readers' click URLs name a link by its position (``/t/c/TOKEN/3``), and the click endpoint
looks the target up in ``tracked_links``. The registry is stored before the first message
of an issue goes out and never renumbered: a later render appends URLs it has not seen at
new positions, so links in mail already sent keep pointing where they did.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from newsletter.issues.document import IssueDocument, Section
from newsletter.models import TrackedLink
from newsletter.rendering import build_link_registry


def link_topics(doc: IssueDocument) -> dict[str, list[str]]:
    """For each URL of the issue, the topics of the items that cite it (sorted)."""
    topics: dict[str, set[str]] = {}
    for section in doc.sections:
        for item in section.items:
            alone = IssueDocument(title="", sections=[Section(section.kind, "", items=[item])])
            for url in build_link_registry(alone):
                topics.setdefault(url, set()).update(item.topics)
    return {url: sorted(slugs) for url, slugs in topics.items()}


def ensure_link_registry(session: Session, issue_id: int, doc: IssueDocument) -> list[str]:
    """The issue's registry (URLs by position from 1), storing what is missing.

    Safe when several workers do it at once: an insert that meets a stored position is
    skipped, and the registry is read back as stored.
    """
    stored = _stored(session, issue_id)
    missing = [url for url in build_link_registry(doc) if url not in set(stored)]
    if missing:
        topics = link_topics(doc)
        rows = [
            {"issue_id": issue_id, "position": position, "url": url, "topics": topics.get(url, [])}
            for position, url in enumerate(missing, start=len(stored) + 1)
        ]
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(TrackedLink).values(rows).on_conflict_do_nothing())
        session.flush()
        stored = _stored(session, issue_id)
    return stored


def _stored(session: Session, issue_id: int) -> list[str]:
    return list(
        session.scalars(
            select(TrackedLink.url)
            .where(TrackedLink.issue_id == issue_id)
            .order_by(TrackedLink.position)
        )
    )
