"""What a fresh installation starts with: the five topics, a demo admin and a demo issue
(the demo report, imported, with a draft campaign)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.auth.users import create_staff_user, generate_password
from newsletter.delivery.lifecycle import create_campaign
from newsletter.issues.importing import import_issue
from newsletter.models import Issue, Role, StaffUser, Topic
from newsletter.topics.rules import keyword_rules
from newsletter.topics.seed import DEFAULT_TOPICS

log = logging.getLogger(__name__)

DEMO_ADMIN_EMAIL = "admin@example.org"
DEMO_REPORT = Path(__file__).parent / "demo" / "daily-report-demo.txt"


@dataclass(frozen=True)
class DemoLogin:
    """Credentials of the demo admin, shown once on first start."""

    email: str
    password: str


def seed_topics(session: Session) -> int:
    """Insert the default topics when there are none yet; returns how many were added.

    An installation whose admins removed or renamed topics is left alone.
    """
    if session.scalar(select(func.count()).select_from(Topic)):
        return 0
    for position, seed in enumerate(DEFAULT_TOPICS):
        session.add(
            Topic(
                slug=seed.slug,
                name_zh=seed.name_zh,
                name_en=seed.name_en,
                description_zh=seed.description_zh,
                description_en=seed.description_en,
                keywords=list(seed.keywords),
                position=position,
            )
        )
    session.flush()
    return len(DEFAULT_TOPICS)


def ensure_demo_admin(session: Session) -> DemoLogin | None:
    """Create the demo admin when no staff account exists; None when there already is one."""
    if session.scalar(select(func.count()).select_from(StaffUser)):
        return None
    password = generate_password()
    create_staff_user(session, DEMO_ADMIN_EMAIL, password, [Role.ADMIN], name="Demo admin")
    return DemoLogin(DEMO_ADMIN_EMAIL, password)


def ensure_demo_issue(session: Session) -> Issue | None:
    """Import the demo report with a draft campaign when there are no issues yet.

    An editor who signs in to a fresh installation then finds an issue to check, preview,
    test and schedule at once. None when issues already exist.
    """
    if session.scalar(select(func.count()).select_from(Issue)):
        return None
    result = import_issue(
        session,
        DEMO_REPORT.read_bytes(),
        rules=keyword_rules(session),
        actor=audit.SYSTEM,
        filename=DEMO_REPORT.name,
    )
    create_campaign(session, result.issue, actor=audit.SYSTEM, name="Demo issue")
    return result.issue
