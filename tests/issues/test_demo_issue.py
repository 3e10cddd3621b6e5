"""A fresh installation shows the editor a demo issue with a draft campaign."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.commands.server import _first_start
from newsletter.demo import ensure_demo_issue
from newsletter.issues.storage import load_document
from newsletter.models import Campaign, CampaignStatus, Issue
from tests.factories import make_staff
from tests.issues.helpers import demo_document


def test_the_demo_report_is_stored_once_with_a_draft_campaign(session: Session) -> None:
    issue = ensure_demo_issue(session)
    session.commit()

    assert issue is not None
    assert load_document(issue) == demo_document()
    campaign = session.scalars(select(Campaign)).one()
    assert (campaign.issue_id, campaign.status) == (issue.id, CampaignStatus.DRAFT)
    assert ensure_demo_issue(session) is None
    assert len(session.scalars(select(Issue)).all()) == 1


def test_first_start_adds_it_beside_the_topics(app: Flask, session: Session) -> None:
    make_staff(session, "someone@example.org", ["admin"])  # no demo admin note is written
    session.commit()

    _first_start(app)
    _first_start(app)

    session.expire_all()
    assert len(session.scalars(select(Issue)).all()) == 1
    assert session.scalars(select(Campaign)).one().status is CampaignStatus.DRAFT
