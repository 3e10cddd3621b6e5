"""The active topics in the admins' order, as the editor's checkboxes offer them."""

from __future__ import annotations

from flask_babel import get_locale
from sqlalchemy import select

from newsletter.extensions import db
from newsletter.models import Topic


def active_topics() -> list[Topic]:
    """Topics that items and readers can carry, in the admins' order."""
    return list(
        db.session.scalars(
            select(Topic).where(Topic.active.is_(True)).order_by(Topic.position, Topic.slug)
        )
    )


def topic_choices() -> list[tuple[str, str]]:
    """(slug, name in the page's language) for every active topic."""
    locale = str(get_locale() or "zh_CN")
    return [(topic.slug, topic.name(locale)) for topic in active_topics()]
