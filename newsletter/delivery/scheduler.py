"""The scheduler: starts campaigns when they are due, holds stale ones, ends quota pauses.

Every few seconds the one active scheduler (see :mod:`newsletter.delivery.scheduler_lock`)
looks for scheduled campaigns whose time has come and starts them through the lifecycle. A
campaign more than ``stale_after_hours`` late (the machine was down overnight) is not sent
stale: it is paused with the reason, for an operator to resume or cancel. Paused campaigns
whose ``resume_at`` has come (the daily quota's window) resume, and sending campaigns whose
every row has an outcome are marked sent. Each campaign is handled in its own transaction,
so one that fails does not hold up the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.config import Settings
from newsletter.database import Database
from newsletter.delivery import lifecycle
from newsletter.delivery.errors import TransitionError
from newsletter.delivery.scheduler_lock import AdvisoryLock, LeaseLock, SchedulerLock
from newsletter.delivery.wall_time import local_text
from newsletter.metrics.hooks import record_scheduler_tick
from newsletter.models import Campaign, CampaignStatus, utcnow
from newsletter.runtime import Service

log = logging.getLogger(__name__)

#: Seconds between passes: a campaign starts at most this long after its time.
INTERVAL_SECONDS = 5.0
#: A lease outlives a few missed passes before another process takes over.
LEASE_TTL = dt.timedelta(seconds=30)


@dataclass
class PassReport:
    """The campaigns one pass changed, by what it did."""

    started: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)


def run_pass(database: Database, settings: Settings, now: dt.datetime | None = None) -> PassReport:
    """One pass over due, quota-paused and finishing campaigns."""
    now = now or utcnow()
    report = PassReport()
    stale_after = dt.timedelta(hours=settings.stale_after_hours)
    due = _ids(database, Campaign.status == CampaignStatus.SCHEDULED, Campaign.scheduled_at <= now)
    for campaign_id in due:
        _each(database, campaign_id, lambda s, c: _start_or_hold(s, c, now, stale_after, report))
    waking = _ids(database, Campaign.status == CampaignStatus.PAUSED, Campaign.resume_at <= now)
    for campaign_id in waking:
        _each(database, campaign_id, lambda s, c: _wake(s, c, report))
    for campaign_id in _ids(database, Campaign.status == CampaignStatus.SENDING):
        _each(database, campaign_id, lambda s, c: _complete(s, c, report))
    return report


def _ids(database: Database, *conditions: ColumnElement[bool]) -> list[int]:
    with database.session_scope() as session:
        query = select(Campaign.id).where(*conditions).order_by(Campaign.scheduled_at, Campaign.id)
        return list(session.scalars(query))


def _each(
    database: Database, campaign_id: int, action: Callable[[Session, Campaign], None]
) -> None:
    try:
        with database.session_scope() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is not None:
                action(session, campaign)
    except TransitionError as exc:  # an operator moved it first: theirs stands
        log.info("scheduler left campaign %s alone: %s", campaign_id, exc)
    except Exception:
        log.exception("scheduler failed on campaign %s; it is tried again next pass", campaign_id)


def _start_or_hold(
    session: Session,
    campaign: Campaign,
    now: dt.datetime,
    stale_after: dt.timedelta,
    report: PassReport,
) -> None:
    assert campaign.scheduled_at is not None
    late = now - campaign.scheduled_at
    if late > stale_after:
        lifecycle.pause(
            session, campaign, actor=audit.SYSTEM, reason=stale_reason(campaign, late, stale_after)
        )
        report.held.append(campaign.id)
        return
    made = lifecycle.start(session, campaign, actor=audit.SYSTEM, reason="its scheduled time came")
    log.info("campaign %s started: %d deliveries", campaign.id, made)
    report.started.append(campaign.id)


def stale_reason(campaign: Campaign, late: dt.timedelta, stale_after: dt.timedelta) -> str:
    """Why a late campaign was held, and what the operator may do."""
    hours = late.total_seconds() / 3600
    allowed = stale_after.total_seconds() / 3600
    due = local_text(campaign.scheduled_at, campaign.schedule_timezone)
    return (
        f"held for an operator: due {due}, now {hours:.1f} hours late (more than the "
        f"{allowed:g} hours of NEWSLETTER_STALE_AFTER_HOURS); resume to send it now, or cancel it"
    )


def _wake(session: Session, campaign: Campaign, report: PassReport) -> None:
    lifecycle.resume(session, campaign, actor=audit.SYSTEM, reason="the pause's time is over")
    report.resumed.append(campaign.id)


def _complete(session: Session, campaign: Campaign, report: PassReport) -> None:
    if lifecycle.complete_if_done(session, campaign.id):
        report.completed.append(campaign.id)


class SchedulerService:
    """The background loop: a pass every few seconds while this process holds the lock."""

    name = "scheduler"

    def __init__(
        self,
        database: Database,
        settings: Settings,
        lock: SchedulerLock,
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self.database = database
        self.settings = settings
        self.lock = lock
        self.interval = interval

    def run(self, stop: threading.Event) -> None:
        """Pass after pass until ``stop`` is set; lets the lock go on the way out."""
        try:
            while not stop.is_set():
                self.tick()
                stop.wait(self.interval)
        finally:
            try:
                self.lock.release()
            except Exception:
                log.exception("scheduler %s could not release its lock", self.lock.holder)

    def tick(self) -> PassReport | None:
        """One pass if this process is the scheduler; None when another one is."""
        try:
            if not self.lock.hold():
                return None
            report = run_pass(self.database, self.settings)
        except Exception:
            log.exception("scheduler pass failed; retrying in %.0f s", self.interval)
            return None
        record_scheduler_tick(self.lock.holder)
        return report


def process_identity() -> str:
    """This process's name in the lease: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def build_lock(database: Database, holder: str) -> SchedulerLock:
    """The advisory lock on PostgreSQL, the lease row elsewhere."""
    if database.dialect == "postgresql":
        return AdvisoryLock(database, holder, LEASE_TTL)
    return LeaseLock(database, holder, LEASE_TTL)


def scheduler_services(app: Flask) -> list[Service]:
    """The scheduler of ``app``, for :func:`newsletter.runtime.register_service`."""
    settings: Settings = app.config["NEWSLETTER"]
    database: Database = app.extensions["newsletter.database"]
    return [SchedulerService(database, settings, build_lock(database, process_identity()))]
