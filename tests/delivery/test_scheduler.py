"""The scheduler starts due campaigns, holds stale ones, ends quota pauses; only one runs."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.delivery import lifecycle
from newsletter.delivery.scheduler import SchedulerService, run_pass
from newsletter.delivery.scheduler_lock import AdvisoryLock, LeaseLock, take_lease
from newsletter.extensions import db
from newsletter.metrics.prometheus import EXTENSION_KEY
from newsletter.models import AuditEntry, Campaign, CampaignStatus, Lease, utcnow
from newsletter.runtime import ServiceRunner
from tests.delivery.helpers import OPERATOR, audit_entries
from tests.factories import make_campaign, make_delivery, make_subscriber

S = CampaignStatus
TTL = dt.timedelta(seconds=30)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return app_config | {"stale_after_hours": 6.0}


def settings_of(app: Flask) -> Settings:
    found: Settings = app.config["NEWSLETTER"]
    return found


def scheduled(session: Session, at: dt.datetime, zone: str = "Asia/Shanghai") -> Campaign:
    """A scheduled campaign due at ``at`` (UTC), as if scheduled earlier."""
    campaign = make_campaign(session, status=S.SCHEDULED)
    campaign.scheduled_at = at
    campaign.schedule_timezone = zone
    session.commit()
    return campaign


def status_of(session: Session, campaign: Campaign) -> CampaignStatus:
    session.expire_all()
    return session.get_one(Campaign, campaign.id).status


def test_a_due_campaign_is_started_and_a_future_one_waits(app: Flask, session: Session) -> None:
    make_subscriber(session, "reader@example.org")
    now = utcnow()
    due = scheduled(session, now - dt.timedelta(seconds=3))
    ahead = scheduled(session, now + dt.timedelta(minutes=10))

    report = run_pass(db, settings_of(app), now=now)

    assert report.started == [due.id]
    assert status_of(session, due) is S.SENDING
    assert status_of(session, ahead) is S.SCHEDULED
    assert session.get_one(Campaign, due.id).recipients_count == 1
    entry = audit_entries(session, due.id)[-1]
    assert (entry.action, entry.actor_type) == ("campaign.start", "system")


def test_a_campaign_scheduled_in_shanghai_time_starts_at_that_hour(
    app: Flask, session: Session
) -> None:
    issue_campaign = make_campaign(session)
    session.commit()
    lifecycle.schedule(session, issue_campaign, at=dt.datetime(2030, 4, 8, 8, 0),
                       timezone="Asia/Shanghai", actor=OPERATOR)  # fmt: skip
    session.commit()
    eight_in_shanghai = dt.datetime(2030, 4, 8, 0, 0, tzinfo=dt.UTC)

    assert (
        run_pass(db, settings_of(app), now=eight_in_shanghai - dt.timedelta(seconds=1)).started
        == []
    )
    assert run_pass(db, settings_of(app), now=eight_in_shanghai).started == [issue_campaign.id]


def test_a_campaign_too_late_is_held_for_an_operator(app: Flask, session: Session) -> None:
    make_subscriber(session, "reader@example.org")
    now = utcnow()
    late = scheduled(session, now - dt.timedelta(hours=9), zone="Asia/Shanghai")
    barely = scheduled(session, now - dt.timedelta(hours=5, minutes=50))

    report = run_pass(db, settings_of(app), now=now)

    assert (report.held, report.started) == ([late.id], [barely.id])
    assert status_of(session, late) is S.PAUSED
    held = session.get_one(Campaign, late.id)
    assert held.pause_reason.startswith("held for an operator: due ")
    assert "Asia/Shanghai, now 9.0 hours late (more than the 6 hours" in held.pause_reason
    assert audit_entries(session, late.id)[-1].detail == {
        "from": "scheduled", "to": "paused", "reason": held.pause_reason,
    }  # fmt: skip
    assert held.recipients_count == 0

    # The operator decides to send it after all: resuming starts it now.
    lifecycle.resume(session, held, actor=OPERATOR, reason="still relevant")
    session.commit()
    assert status_of(session, late) is S.SENDING
    assert session.get_one(Campaign, late.id).recipients_count == 1
    assert run_pass(db, settings_of(app), now=now).held == []


def test_a_quota_pause_ends_by_itself_when_its_time_comes(app: Flask, session: Session) -> None:
    now = utcnow()
    waking, sleeping = (make_campaign(session, status=S.SENDING, started_at=now) for _ in range(2))
    for campaign, hours in ((waking, -0.1), (sleeping, 2)):
        make_delivery(session, campaign, make_subscriber(session, f"r{campaign.id}@example.org"))
        lifecycle.pause(session, campaign, actor=OPERATOR, reason="daily quota reached",
                        resume_at=now + dt.timedelta(hours=hours))  # fmt: skip
    session.commit()

    report = run_pass(db, settings_of(app), now=now)

    assert report.resumed == [waking.id]
    assert status_of(session, waking) is S.SENDING
    assert status_of(session, sleeping) is S.PAUSED
    assert audit_entries(session, waking.id)[-1].action == "campaign.resume"


def test_a_sending_campaign_with_every_row_settled_is_marked_sent(
    app: Flask, session: Session
) -> None:
    from newsletter.models import DeliveryState

    done = make_campaign(session, status=S.SENDING, started_at=utcnow())
    busy = make_campaign(session, status=S.SENDING, started_at=utcnow())
    make_delivery(session, done, make_subscriber(session, "a@example.org"),
                  state=DeliveryState.SENT)  # fmt: skip
    make_delivery(session, busy, make_subscriber(session, "b@example.org"))
    session.commit()

    assert run_pass(db, settings_of(app)).completed == [done.id]
    assert (status_of(session, done), status_of(session, busy)) == (S.SENT, S.SENDING)


def test_an_operators_change_first_stands(app: Flask, session: Session) -> None:
    campaign = scheduled(session, utcnow() - dt.timedelta(seconds=1))
    lifecycle.cancel(session, campaign, actor=OPERATOR, reason="wrong issue")
    session.commit()
    assert run_pass(db, settings_of(app)).started == []
    assert status_of(session, campaign) is S.CANCELLED


def test_a_lease_is_held_by_one_process_until_it_lapses(app: Flask, session: Session) -> None:
    now = utcnow()
    assert take_lease(session, "scheduler", "a", TTL, now=now)
    assert not take_lease(session, "scheduler", "b", TTL, now=now + dt.timedelta(seconds=10))
    assert take_lease(session, "scheduler", "a", TTL, now=now + dt.timedelta(seconds=20))
    assert not take_lease(session, "scheduler", "b", TTL, now=now + dt.timedelta(seconds=45))
    assert take_lease(session, "scheduler", "b", TTL, now=now + dt.timedelta(seconds=51))
    session.commit()
    assert session.get_one(Lease, "scheduler").holder == "b"


def test_of_two_schedulers_only_the_lock_holder_runs_passes(app: Flask, session: Session) -> None:
    first, second = (SchedulerService(db, settings_of(app), lock_for(app, name), interval=0.05)
                     for name in ("host:1:a", "host:2:b"))  # fmt: skip
    try:
        assert first.tick() is not None
        assert second.tick() is None
        assert first.tick() is not None
        session.expire_all()
        assert session.get_one(Lease, "scheduler").holder == "host:1:a"

        first.lock.release()
        assert second.tick() is not None
        assert first.tick() is None
    finally:
        first.lock.release()
        second.lock.release()


def lock_for(app: Flask, holder: str) -> Any:
    if db.dialect == "postgresql":
        return AdvisoryLock(db, holder, TTL)
    return LeaseLock(db, holder, TTL)


def test_schedulers_racing_in_threads_start_a_campaign_once(app: Flask, session: Session) -> None:
    make_subscriber(session, "reader@example.org")
    campaigns = [scheduled(session, utcnow() - dt.timedelta(seconds=1)) for _ in range(3)]
    services = [SchedulerService(db, settings_of(app), lock_for(app, f"host:{n}:x"), interval=0.02)
                for n in range(3)]  # fmt: skip
    stop = threading.Event()
    threads = [threading.Thread(target=s.run, args=(stop,)) for s in services]
    for thread in threads:
        thread.start()
    try:
        deadline = utcnow() + dt.timedelta(seconds=20)
        while utcnow() < deadline and any(
            status_of(session, c) is not S.SENDING for c in campaigns
        ):
            session.rollback()
            stop.wait(0.05)
        stop.wait(0.3)  # let the others try their luck too
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    starts = session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.start")).all()
    assert sorted(int(e.entity_id) for e in starts) == sorted(c.id for c in campaigns)
    rows = session.execute(text("SELECT count(*) FROM deliveries")).scalar_one()
    assert rows == 3  # one reader, three campaigns, each snapshot taken once


def test_a_scheduler_whose_connection_dies_loses_the_lock(app: Flask, session: Session) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite relies on the lease's expiry")
    first, second = AdvisoryLock(db, "host:1:a", TTL), AdvisoryLock(db, "host:2:b", TTL)
    try:
        assert first.hold()
        assert not second.hold()
        pid = first._connection.scalar(text("SELECT pg_backend_pid()"))  # type: ignore[union-attr]
        first._connection.commit()  # type: ignore[union-attr]
        with db.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert second.hold()
        assert not first.hold()
    finally:
        first.release()
        second.release()


def test_the_scheduler_runs_beside_the_app_and_reports_its_ticks(
    app: Flask, session: Session
) -> None:
    due = scheduled(session, utcnow() - dt.timedelta(seconds=1))
    runner = ServiceRunner.start(app)
    try:
        assert "scheduler" in runner.names
        deadline = utcnow() + dt.timedelta(seconds=20)
        while utcnow() < deadline and status_of(session, due) is S.SCHEDULED:
            session.rollback()
            runner.stop_event.wait(0.1)
    finally:
        runner.stop(timeout=10)
    # No reader: started and, with nothing to send, finished at once.
    assert [e.action for e in audit_entries(session, due.id)][:1] == ["campaign.start"]
    assert app.extensions[EXTENSION_KEY].scheduler_tick._value.get() > 0
