"""The reputation guard pauses sending when injected bounces or complaints pass the level."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.config import Settings
from newsletter.delivery import lifecycle
from newsletter.delivery.transports.outbox import OutboxTransport
from newsletter.extensions import db
from newsletter.metrics import guard
from newsletter.metrics.service import run_pass
from newsletter.models import (
    AuditEntry,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryState,
    Event,
    EventSource,
    EventType,
    ReputationAlarm,
)
from newsletter.models.base import utcnow
from tests.factories import make_campaign, make_staff


def settings_of(app: Flask) -> Settings:
    found: Settings = app.config["NEWSLETTER"]
    return found


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return app_config | {
        "bounce_alarm_rate": 0.02,
        "complaint_alarm_rate": 0.0005,
        "reputation_min_volume": 500,
        "reputation_window_hours": 72,
        "reputation_rearm_minutes": 60,
    }


def sending_campaign(session: Session, sent: int, name: str = "Daily") -> Campaign:
    """A campaign in flight that has sent ``sent`` messages, with ledger rows to match."""
    now = utcnow()
    campaign = make_campaign(
        session, status=CampaignStatus.SENDING, name=name,
        started_at=now - dt.timedelta(minutes=30), recipients_count=sent * 2, sent_count=sent,
    )  # fmt: skip
    rows = [{"campaign_id": campaign.id, "variant_key": "*", "state": DeliveryState.SENT,
             "sent_at": now - dt.timedelta(minutes=20)} for _ in range(sent)]  # fmt: skip
    session.execute(insert(Delivery), rows)
    session.commit()
    return campaign


def inject(session: Session, campaign: Campaign, kind: EventType, count: int, **extra: Any) -> None:
    """``count`` SES events of ``kind`` for the campaign's first rows."""
    ids = session.scalars(
        select(Delivery.id).where(Delivery.campaign_id == campaign.id).order_by(Delivery.id)
    ).all()[:count]
    now = utcnow()
    session.execute(
        insert(Event),
        [{"type": kind, "source": EventSource.SES, "campaign_id": campaign.id,
          "delivery_id": i, "occurred_at": now - dt.timedelta(minutes=5), "is_machine": False,
          **extra} for i in ids],
    )  # fmt: skip
    session.commit()


def hard_bounces(session: Session, campaign: Campaign, count: int) -> None:
    inject(session, campaign, EventType.BOUNCE, count, detail={"bounce_type": "Permanent"})


def guard_pauses(session: Session) -> list[tuple[int, str]]:
    """(campaign id, reason) of every pause the lifecycle audited, oldest first."""
    session.expire_all()
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "campaign.pause").order_by(AuditEntry.id)
    ).all()
    assert all(entry.actor_type == "system" for entry in entries)
    return [(int(entry.entity_id), (entry.detail or {})["reason"]) for entry in entries]


def status_of(session: Session, campaign: Campaign) -> CampaignStatus:
    session.expire_all()
    return session.get_one(Campaign, campaign.id).status


def one_pass(app: Flask, outbox: Path | None = None, now: dt.datetime | None = None) -> Any:
    """One metrics pass whose guard pauses through the real lifecycle."""
    transport = (lambda: OutboxTransport(outbox)) if outbox else None
    return run_pass(db, settings_of(app), lifecycle.pause, transport, now=now)


def test_bounces_over_the_level_pause_the_campaign_and_say_why(
    app: Flask, session: Session, operator_user: Any, tmp_path: Path
) -> None:
    campaign = sending_campaign(session, 1000)
    hard_bounces(session, campaign, 32)

    report = one_pass(app, tmp_path / "outbox")

    session.expire_all()
    assert session.get_one(Campaign, campaign.id).status is CampaignStatus.PAUSED
    reason = f"reputation guard: bounce rate 3.2% > 2.0% (campaign {campaign.id}, 32 of 1000)"
    assert guard_pauses(session) == [(campaign.id, reason)]
    # The campaign is the whole window here, so the window's rate is over the level too.
    alarms = session.scalars(select(ReputationAlarm).order_by(ReputationAlarm.id)).all()
    assert [(a.scope, a.metric, a.numerator, a.denominator) for a in alarms] == [
        ("campaign", "bounce", 32, 1000), ("window", "bounce", 32, 1000),
    ]  # fmt: skip
    assert [a.paused_campaign_ids for a in alarms] == [[campaign.id], [campaign.id]]
    assert all(a.notified_at is not None for a in alarms)
    assert report.emailed == 1  # one email about both alarms
    mail = next((tmp_path / "outbox").rglob("*.eml")).read_bytes()
    assert b"operator@news.example.org" in mail
    assert b"3.2%" in mail
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "reputation.alarm" in actions


def test_bounces_at_or_below_the_level_do_not_pause(app: Flask, session: Session) -> None:
    campaign = sending_campaign(session, 1000)
    hard_bounces(session, campaign, 20)  # exactly 2%: not over the level
    inject(session, campaign, EventType.BOUNCE, 40, detail={"bounce_type": "Transient"})

    report = one_pass(app)

    assert report.guard.breaches == []
    assert guard_pauses(session) == []
    assert session.scalars(select(ReputationAlarm)).all() == []


def test_no_rate_counts_before_the_minimum_volume(app: Flask, session: Session) -> None:
    campaign = sending_campaign(session, 400)
    hard_bounces(session, campaign, 40)  # 10%, but only 400 sent of the 500 needed

    one_pass(app)

    assert guard_pauses(session) == []
    session.expire_all()
    assert session.get_one(Campaign, campaign.id).status is CampaignStatus.SENDING


def test_complaints_over_the_level_pause_sending(app: Flask, session: Session) -> None:
    campaign = sending_campaign(session, 1000)
    inject(session, campaign, EventType.DELIVERY, 1000)
    inject(session, campaign, EventType.COMPLAINT, 1)  # 0.1% > 0.05%

    report = one_pass(app)

    assert [(b.scope, b.metric, b.numerator, b.denominator) for b in report.guard.breaches] == [
        ("campaign", "complaint", 1, 1000),
        ("window", "complaint", 1, 1000),
    ]
    assert [call[0] for call in guard_pauses(session)] == [campaign.id]
    assert status_of(session, campaign) is CampaignStatus.PAUSED


def test_the_rolling_window_pauses_every_campaign_in_flight(app: Flask, session: Session) -> None:
    finished = sending_campaign(session, 600, "Yesterday")
    finished.status = CampaignStatus.SENT
    session.commit()
    hard_bounces(session, finished, 30)  # 5% of the window's 600 + 2 x 100 sent
    quiet = [sending_campaign(session, 100, f"Now {n}") for n in range(2)]

    report = one_pass(app)

    scopes = {(b.scope, b.metric) for b in report.guard.breaches}
    assert scopes == {("window", "bounce")}
    assert sorted(call[0] for call in guard_pauses(session)) == sorted(c.id for c in quiet)
    assert [status_of(session, c) for c in quiet] == [CampaignStatus.PAUSED] * 2
    assert status_of(session, finished) is CampaignStatus.SENT
    assert guard_pauses(session)[0][1].startswith(
        "reputation guard: bounce rate 3.8% > 2.0% (rolling window"
    )


def test_while_an_alarm_is_open_campaigns_that_start_are_paused_too(
    app: Flask, session: Session
) -> None:
    first = sending_campaign(session, 1000)
    hard_bounces(session, first, 50)
    one_pass(app)
    later = sending_campaign(session, 10, "Later")

    report = one_pass(app)

    assert report.guard.new_alarms == []
    assert [call[0] for call in guard_pauses(session)] == [first.id, later.id]
    assert status_of(session, later) is CampaignStatus.PAUSED


def test_the_guard_never_resumes_and_rearms_only_after_the_delay(
    app: Flask, session: Session, operator_user: Any
) -> None:
    campaign = sending_campaign(session, 1000)
    hard_bounces(session, campaign, 50)
    one_pass(app)
    alarms = guard.open_alarms(session)
    paused = guard.acknowledge(session, alarms, audit.staff_actor(operator_user), "list cleaned")
    session.commit()
    assert paused == [campaign.id]
    session.expire_all()
    assert session.get_one(Campaign, campaign.id).status is CampaignStatus.PAUSED

    # The operator resumes; the rate is still high but was acknowledged a moment ago.
    operator = audit.staff_actor(operator_user)
    lifecycle.resume(session, session.get_one(Campaign, campaign.id), actor=operator)
    session.commit()
    assert one_pass(app).guard.new_alarms == []
    assert len(guard_pauses(session)) == 1

    later = utcnow() + dt.timedelta(minutes=61)
    raised = one_pass(app, now=later).guard.new_alarms
    assert sorted((a.scope, a.metric) for a in raised) == [
        ("campaign", "bounce"),
        ("window", "bounce"),
    ]
    assert len(guard_pauses(session)) == 2
    assert status_of(session, campaign) is CampaignStatus.PAUSED


def test_an_alarm_with_no_operator_to_email_says_so(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    make_staff(session, "editor@news.example.org", ["editor"])
    campaign = sending_campaign(session, 1000)
    hard_bounces(session, campaign, 50)

    one_pass(app, tmp_path / "outbox")

    alarms = session.scalars(select(ReputationAlarm)).all()
    assert [(a.notified_at, a.notify_error) for a in alarms] == [(None, "no active operator")] * 2
