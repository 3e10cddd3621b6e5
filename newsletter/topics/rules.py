"""The keyword rules tagging uses: the admins' rules in the database, or the seed without one.

Admins edit each topic's keywords on Settings -> Topics; a disabled topic suggests nothing.
Outside an application (``newsletter issues parse`` on a laptop, the pure tests) there is no
database to ask, so the seeded rules apply.
"""

from __future__ import annotations

from flask import has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.issues.tagging import TopicRules, seed_rules
from newsletter.models import Topic


def database_rules(session: Session) -> dict[str, list[str]]:
    """The keyword rules of the active topics, in the admins' topic order."""
    topics = session.scalars(
        select(Topic).where(Topic.active.is_(True)).order_by(Topic.position, Topic.slug)
    )
    return {topic.slug: list(topic.keywords or []) for topic in topics}


def keyword_rules(session: Session | None = None) -> TopicRules:
    """The rules to tag with: the database's when there is one, else the seeded ones."""
    if session is None:
        if not has_app_context():
            return seed_rules()
        from newsletter.extensions import db

        session = db.session
    return database_rules(session)
