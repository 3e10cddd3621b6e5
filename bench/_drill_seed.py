"""The drill's data: readers, the demo issue, an operator and the campaign.

Readers are inserted by two INSERT .. SELECT statements over ``generate_series`` (20,000
readers in well under a second); the issue is imported from the demo report the way an
editor's import stores it; the campaign goes through the real lifecycle (create, schedule)
and is started by the workers' scheduler service.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from newsletter.audit import Actor, staff_actor
from newsletter.auth.users import create_staff_user
from newsletter.demo import DEMO_REPORT, seed_topics
from newsletter.issues.formats import parse_any
from newsletter.issues.storage import create_issue
from newsletter.issues.tagging import seed_rules, tag_document
from newsletter.models import Campaign, CampaignStatus, Delivery, Role, Topic

READER_DOMAIN = "readers.drill.example.org"
OPERATOR_EMAIL = "operator@drill.example.org"


def reader_address(n: int) -> str:
    """The address of seeded reader ``n`` (1-based)."""
    return f"reader{n}@{READER_DOMAIN}"


def seed_readers(session: Session, count: int) -> int:
    """``count`` confirmed readers; reader n chose the topics whose bit is set in n mod 32,
    so every topic mix (none included) occurs. Returns the number of topic choices made."""
    seed_topics(session)
    session.execute(
        text(
            """
            INSERT INTO subscribers (email, name, status, locale, time_zone,
                receive_empty_issues, consent_at, consent_method, confirmed_at,
                soft_bounce_streak, created_at, updated_at)
            SELECT 'reader' || n || '@' || :domain,
                   CASE WHEN n % 3 = 0 THEN '读者' || n ELSE '' END,
                   'confirmed', CASE WHEN n % 5 = 0 THEN 'en' ELSE 'zh_CN' END,
                   'Asia/Shanghai', n % 7 <> 0, now(), 'import', now(), 0, now(), now()
            FROM generate_series(1, :count) AS n
            """
        ),
        {"domain": READER_DOMAIN, "count": count},
    )
    topic_ids = session.scalars(select(Topic.id).order_by(Topic.position)).all()
    chosen = 0
    for bit, topic_id in enumerate(topic_ids[:5]):
        chosen += session.execute(
            text(
                """
                INSERT INTO subscriber_topics (subscriber_id, topic_id, created_at)
                SELECT id, :topic_id, now() FROM subscribers
                WHERE email LIKE '%@' || :domain
                  AND (substring(email from 'reader([0-9]+)@')::int % 32) & :mask <> 0
                """
            ),
            {"topic_id": topic_id, "domain": READER_DOMAIN, "mask": 1 << bit},
        ).rowcount
    return chosen


def import_demo_issue(session: Session) -> int:
    """Store the demo report as an editor's import would (keyword topics suggested)."""
    data = DEMO_REPORT.read_bytes()
    document = parse_any(data, DEMO_REPORT.name)
    tag_document(document, seed_rules())
    issue = create_issue(session, document, source_format="text", source_text=data.decode("utf-8"))
    return int(issue.id)


def make_operator(session: Session) -> Actor:
    """A staff operator in whose name the drill schedules and recovers the campaign."""
    user = create_staff_user(
        session, OPERATOR_EMAIL, secrets.token_urlsafe(24), [Role.OPERATOR], name="Drill"
    )
    session.flush()
    return staff_actor(user)


def schedule_campaign(session: Session, issue_id: int, actor: Actor, *, in_seconds: float) -> int:
    """Create the campaign and schedule it ``in_seconds`` from now, through the lifecycle."""
    from newsletter.delivery import lifecycle
    from newsletter.models import Issue

    issue = session.get(Issue, issue_id)
    assert issue is not None
    campaign = lifecycle.create_campaign(session, issue, actor=actor, name="drill")
    at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=in_seconds)
    lifecycle.schedule(session, campaign, at=at, timezone="Asia/Shanghai", actor=actor)
    return campaign.id


def wait_for_start(new_session: Callable[[], Session], campaign_id: int, seconds: float) -> int:
    """Wait until the scheduler has started the campaign; returns its snapshot's row count."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with new_session() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is not None and campaign.status is not CampaignStatus.SCHEDULED:
                return int(
                    session.scalar(
                        select(func.count())
                        .select_from(Delivery)
                        .where(Delivery.campaign_id == campaign_id)
                    )
                    or 0
                )
        time.sleep(0.2)
    raise RuntimeError(f"the scheduler did not start campaign {campaign_id} within {seconds} s")
