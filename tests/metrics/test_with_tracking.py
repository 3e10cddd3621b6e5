"""End to end with the tracking: SES bounce records, as the SNS inbox applies them, raise the
guard's alarm; one from the account's suppression list does not count."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.delivery import lifecycle
from newsletter.extensions import db
from newsletter.metrics.service import run_pass
from newsletter.models import Campaign, CampaignStatus
from newsletter.tracking.recorder import ingest_context
from newsletter.tracking.ses.events import handle_record
from newsletter.tracking.ses.target import EventContext
from tests.metrics.test_guard import guard_pauses
from tests.tracking.helpers import bounce_detail, make_sent_campaign, ses_record


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return app_config | {"reputation_min_volume": 40, "bounce_alarm_rate": 0.05}


def bounce(session: Session, settings: Settings, delivery: Any, email: str, subtype: str) -> None:
    context = EventContext(settings, ingest_context(settings))
    detail = bounce_detail("Permanent", subtype, address=email)
    handle_record(session, ses_record("Bounce", delivery, detail, destination=email), context)
    session.commit()


def test_ses_hard_bounces_through_the_tracking_pause_the_campaign(
    app: Flask, session: Session
) -> None:
    settings: Settings = app.config["NEWSLETTER"]
    sent = make_sent_campaign(session, readers=40)
    sent.campaign.sent_count = 40  # what the sender's counter says
    session.commit()
    pairs = list(zip(sent.deliveries, sent.readers, strict=True))
    for delivery, reader in pairs[:2]:
        bounce(session, settings, delivery, reader.email, "General")
    delivery, reader = pairs[2]
    bounce(session, settings, delivery, reader.email, "OnAccountSuppressionList")

    quiet = run_pass(db, settings, lifecycle.pause, None)  # 2 of 40 = 5%: not over the level
    assert quiet.guard is not None
    assert quiet.guard.breaches == []

    delivery, reader = pairs[3]
    bounce(session, settings, delivery, reader.email, "NoEmail")
    report = run_pass(db, settings, lifecycle.pause, None)

    assert report.guard is not None
    assert {(b.scope, b.numerator, b.denominator) for b in report.guard.breaches} == {
        ("campaign", 3, 40),
        ("window", 3, 40),
    }
    session.expire_all()
    assert session.get_one(Campaign, sent.campaign.id).status is CampaignStatus.PAUSED
    assert guard_pauses(session)[0][1].startswith("reputation guard: bounce rate 7.5% > 5.0%")
