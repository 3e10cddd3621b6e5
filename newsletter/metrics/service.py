"""The metrics service: roll up, refresh snapshots and run the reputation guard, in a loop.

One pass is one transaction: count new events, recount recent sends, refresh the snapshots
of campaigns that changed, then let the guard judge the fresh figures. On PostgreSQL the
roll-up's state row is locked for the pass, so two processes running the service take turns
instead of counting or alarming twice. Operators are emailed after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from flask import Flask
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.database import Database
from newsletter.delivery import lifecycle
from newsletter.delivery.transports import Transport
from newsletter.delivery.transports.factory import build_transport
from newsletter.metrics import rollup, snapshots
from newsletter.metrics.guard import GuardOutcome, Pauser, check_reputation
from newsletter.metrics.notify import notify_operators
from newsletter.models import ReputationAlarm
from newsletter.models.base import utcnow
from newsletter.runtime import Service

log = logging.getLogger(__name__)
#: Readers per topic change slowly and cost a join over every reader: refreshed this often.
OVERALL_EVERY = dt.timedelta(minutes=10)
#: Slices of the event backlog counted per pass before the guard runs (the rest next pass).
SLICES_PER_PASS = 8


@dataclass
class PassReport:
    """What one pass did, for logs and tests."""

    events: int = 0
    snapshots: list[int] = field(default_factory=list)
    guard: GuardOutcome | None = None
    emailed: int = 0


def run_pass(
    database: Database,
    settings: Settings,
    pause: Pauser | None,
    transport: Callable[[], Transport] | None,
    now: dt.datetime | None = None,
) -> PassReport:
    """One full pass: roll-ups, snapshots, guard, then the operators' email.

    Without ``pause`` (no delivery lifecycle in this build) only the figures are kept up.
    """
    now = now or utcnow()
    report = PassReport()
    with database.session_scope() as session:
        touched = _roll_up(session, report)
        touched |= rollup.recount_sends(session, now)
        _refresh_snapshots(session, settings, touched, now, report)
        if pause is None:
            return report
        report.guard = check_reputation(session, settings, pause, now)
        alarm_ids = [alarm.id for alarm in report.guard.new_alarms]
    if alarm_ids and transport is not None:
        report.emailed = _email(database, settings, alarm_ids, transport)
    return report


def _roll_up(session: Session, report: PassReport) -> set[int]:
    touched: set[int] = set()
    for _ in range(SLICES_PER_PASS):
        result = rollup.roll_up_events(session)
        report.events += result.events
        touched |= result.campaigns
        if result.caught_up:
            break
    return touched


def _refresh_snapshots(
    session: Session, settings: Settings, touched: set[int], now: dt.datetime, report: PassReport
) -> None:
    due = snapshots.campaigns_due(session, touched, now, settings.metrics_rollup_seconds)
    for campaign_id in due:
        snapshots.store_campaign_snapshot(session, campaign_id)
    report.snapshots = due
    overall = snapshots.load_snapshot(session, snapshots.OVERALL, "readers")
    if overall is None or now - overall.computed_at >= OVERALL_EVERY:
        snapshots.store_overall_snapshot(session)


def _email(
    database: Database, settings: Settings, alarm_ids: list[int], transport: Callable[[], Transport]
) -> int:
    with database.session_scope() as session:
        alarms = [session.get_one(ReputationAlarm, alarm_id) for alarm_id in alarm_ids]
        sender = transport()
        try:
            return notify_operators(session, settings, alarms, sender)
        finally:
            sender.close()


class MetricsService:
    """The background loop; a failed pass is logged and the next one tries again."""

    name = "metrics"

    def __init__(
        self,
        database: Database,
        settings: Settings,
        pause: Pauser | None,
        transport: Callable[[], Transport] | None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.pause = pause
        self.transport = transport

    def run(self, stop: threading.Event) -> None:
        """Pass after pass until ``stop`` is set."""
        while not stop.is_set():
            started = time.monotonic()
            try:
                report = run_pass(self.database, self.settings, self.pause, self.transport)
                if report.events or report.snapshots:
                    log.debug(
                        "metrics pass: %d events, snapshots %s", report.events, report.snapshots
                    )
            except Exception:
                log.exception(
                    "metrics pass failed; retrying in %.0f s", self.settings.metrics_rollup_seconds
                )
            elapsed = time.monotonic() - started
            stop.wait(max(self.settings.metrics_rollup_seconds - elapsed, 1.0))


def metrics_services(app: Flask) -> list[Service]:
    """The metrics service of ``app``, for :func:`newsletter.runtime.register_service`."""
    settings: Settings = app.config["NEWSLETTER"]
    database: Database = app.extensions["newsletter.database"]
    # The guard pauses campaigns through the delivery lifecycle, audited like an operator's.
    transport = partial(build_transport, settings)
    return [MetricsService(database, settings, pause=lifecycle.pause, transport=transport)]
