"""Prometheus metrics: one registry per app, process-local series plus figures from the DB.

Process-local series (what this process's sender and scheduler did) are updated through
:mod:`newsletter.metrics.hooks`. The figures every process shares (messages by outcome,
queue depth, events by type, leases, roll-up lag, open alarms) are read from the database
at scrape time by :class:`DatabaseCollector`, with queries that touch only small tables or
short index ranges, so any web process answers for the whole system.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.database import Database
from newsletter.metrics.rollup import EVENTS
from newsletter.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryState,
    Event,
    EventHour,
    Lease,
    ReputationAlarm,
    RollupState,
)
from newsletter.models.base import utcnow

log = logging.getLogger(__name__)
EXTENSION_KEY = "newsletter.metrics"
SCHEDULER_LEASE = "scheduler"
WORKER_LEASE_PREFIX = "worker:"
#: Send latency buckets (seconds): SES answers in tens of milliseconds, SMTP in hundreds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
IN_FLIGHT = (CampaignStatus.SENDING, CampaignStatus.PAUSED)


class AppMetrics:
    """The registry of one app and its process-local series."""

    def __init__(self, database: Database) -> None:
        self.registry = CollectorRegistry()
        self.sender_messages = Counter(
            "newsletter_sender_messages",
            "Messages this process's senders finished, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.send_latency = Histogram(
            "newsletter_send_latency_seconds",
            "Time the transport took to accept one message (this process).",
            ["transport"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.scheduler_tick = Gauge(
            "newsletter_scheduler_last_tick_timestamp_seconds",
            "When this process's scheduler last finished a pass (0: not the scheduler).",
            registry=self.registry,
        )
        self.scheduler_holder = Info(
            "newsletter_scheduler_process",
            "The scheduler identity of this process.",
            registry=self.registry,
        )
        self.registry.register(DatabaseCollector(database))


class DatabaseCollector(Collector):
    """Reads the shared figures at scrape time; a database error yields ``up`` 0."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "newsletter_metrics_database_up", "1 when the figures below could be read."
        )
        try:
            session = self.database.new_session()
            try:
                yield from _shared_figures(session)
            finally:
                session.close()
            up.add_metric([], 1)
        except Exception:  # a scrape must answer even when the database does not
            log.exception("cannot read metrics from the database")
            up.add_metric([], 0)
        yield up


def _shared_figures(session: Session) -> Iterator[Metric]:
    now = utcnow()
    yield _messages(session)
    yield _queue_depth(session)
    yield _events(session)
    yield from _leases(session, now)
    yield from _rollup(session, now)
    alarms = session.scalar(select(func.count()).where(ReputationAlarm.acknowledged_at.is_(None)))
    open_alarms = GaugeMetricFamily(
        "newsletter_reputation_alarms_open", "Reputation alarms not yet acknowledged."
    )
    open_alarms.add_metric([], int(alarms or 0))
    yield open_alarms


def _messages(session: Session) -> Metric:
    """Messages by final outcome, from the campaigns' counters kept by the sender."""
    sent, failed, skipped = session.execute(
        select(
            func.coalesce(func.sum(Campaign.sent_count), 0),
            func.coalesce(func.sum(Campaign.failed_count), 0),
            func.coalesce(func.sum(Campaign.skipped_count), 0),
        )
    ).one()
    family = CounterMetricFamily(
        "newsletter_messages", "Deliveries by outcome, all campaigns.", labels=["outcome"]
    )
    for outcome, value in (("sent", sent), ("failed", failed), ("skipped", skipped)):
        family.add_metric([outcome], int(value))
    return family


def _queue_depth(session: Session) -> Metric:
    """Rows still to send of campaigns in flight, by state.

    Queued rows are the campaigns' open rows (targeted minus finished, from the counters)
    less the few deferred, sending and in-doubt rows, which are counted on the index.
    """
    flying = session.execute(
        select(
            Campaign.id,
            Campaign.recipients_count - Campaign.sent_count - Campaign.failed_count
            - Campaign.skipped_count,
        ).where(Campaign.status.in_(IN_FLIGHT))
    ).all()  # fmt: skip
    ids = [campaign_id for campaign_id, _ in flying]
    waiting = (DeliveryState.DEFERRED, DeliveryState.SENDING, DeliveryState.IN_DOUBT)
    counts = dict.fromkeys([s.value for s in waiting], 0)
    if ids:
        rows = session.execute(
            select(Delivery.state, func.count())
            .where(Delivery.campaign_id.in_(ids), Delivery.state.in_(waiting))
            .group_by(Delivery.state)
        ).all()
        counts.update({str(state): int(n) for state, n in rows})
    open_rows = sum(max(int(n or 0), 0) for _, n in flying)
    family = GaugeMetricFamily(
        "newsletter_queue_depth", "Deliveries waiting in campaigns in flight.", labels=["state"]
    )
    family.add_metric(["queued"], max(open_rows - sum(counts.values()), 0))
    for state, value in counts.items():
        family.add_metric([state], value)
    return family


def _events(session: Session) -> Metric:
    """Events by type (bounces split hard/other) and machine flag, as rolled up."""
    rows = session.execute(
        select(EventHour.kind, EventHour.is_machine, func.sum(EventHour.count)).group_by(
            EventHour.kind, EventHour.is_machine
        )
    ).all()
    family = CounterMetricFamily(
        "newsletter_events", "Events counted by the roll-up.", labels=["type", "machine"]
    )
    for kind, machine, total in sorted(rows, key=lambda r: (r[0], r[1])):
        family.add_metric([kind, "true" if machine else "false"], int(total or 0))
    return family


def _leases(session: Session, now: dt.datetime) -> Iterator[Metric]:
    scheduler = session.get(Lease, SCHEDULER_LEASE)
    remaining = GaugeMetricFamily(
        "newsletter_scheduler_lease_remaining_seconds",
        "Seconds until the scheduler's lease lapses; negative or absent: no live scheduler.",
        labels=["holder"],
    )
    if scheduler is not None:
        left = (scheduler.expires_at - now).total_seconds()
        remaining.add_metric([scheduler.holder], left)
    yield remaining
    workers = session.scalar(
        select(func.count()).where(
            Lease.name.startswith(WORKER_LEASE_PREFIX), Lease.expires_at > now
        )
    )
    alive = GaugeMetricFamily("newsletter_workers_alive", "Sending processes holding a lease.")
    alive.add_metric([], int(workers or 0))
    yield alive


def _rollup(session: Session, now: dt.datetime) -> Iterator[Metric]:
    state = session.get(RollupState, EVENTS)
    newest = session.scalar(select(func.max(Event.id))) or 0
    lag = GaugeMetricFamily("newsletter_rollup_lag_events", "Events not yet rolled up.")
    lag.add_metric([], max(newest - (state.position if state else 0), 0))
    yield lag
    age = GaugeMetricFamily(
        "newsletter_rollup_age_seconds", "Seconds since the roll-up last ran (-1: never)."
    )
    last = state.last_run_at if state else None
    age.add_metric([], (now - last).total_seconds() if last else -1)
    yield age
