"""The topics readers may choose, and setting a reader's choice."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import Subscriber, Topic


class UnknownTopic(ValueError):
    """A topic that does not exist or is no longer offered."""


def offered_topics(session: Session) -> list[Topic]:
    """The active topics in the order readers see them."""
    return list(
        session.scalars(select(Topic).where(Topic.active.is_(True)).order_by(Topic.position))
    )


def set_topics(session: Session, subscriber: Subscriber, slugs: Iterable[str]) -> bool:
    """Make ``slugs`` the reader's topics; True when the choice changed.

    Raises :class:`UnknownTopic` naming any slug that is not an active topic.
    """
    wanted = frozenset(slugs)
    by_slug = {topic.slug: topic for topic in offered_topics(session)}
    unknown = sorted(wanted - by_slug.keys())
    if unknown:
        raise UnknownTopic(", ".join(unknown))
    if subscriber.topic_slugs() == wanted:
        return False
    ordered = sorted(wanted, key=lambda slug: by_slug[slug].position)
    subscriber.topics = [by_slug[slug] for slug in ordered]
    return True
