"""The reputation guard: pause sending before SES reviews the account.

Each pass compares the bounce and complaint rates of every campaign in flight, and of the
rolling window, with the configured alarm levels (below SES's review levels of 5% and 0.1%).
A rate counts only once its denominator reaches the minimum volume. A rate over its level
raises an alarm: every campaign in flight is paused through the delivery lifecycle, the
alarm is audited, and operators are emailed and see a banner. While any alarm is open,
campaigns that start sending are paused too. The guard never resumes anything: an operator
acknowledges the alarm and resumes campaigns; the same rate may raise a new alarm only
``reputation_rearm_minutes`` after that acknowledgement.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.config import Settings
from newsletter.metrics.rates import (
    BOUNCE,
    COMPLAINT,
    Reputation,
    campaign_reputation,
    window_reputation,
)
from newsletter.metrics.tables import format_rate
from newsletter.models import Campaign, CampaignStatus, ReputationAlarm

log = logging.getLogger(__name__)

CAMPAIGN_SCOPE = "campaign"
WINDOW_SCOPE = "window"


class Pauser(Protocol):
    """The delivery lifecycle's pause: moves one campaign to ``paused`` and audits it."""

    def __call__(
        self, session: Session, campaign: Campaign, *, actor: audit.Actor, reason: str
    ) -> None: ...


@dataclass(frozen=True)
class Breach:
    """A rate over its alarm level, with the counts behind it."""

    scope: str
    campaign_id: int | None
    metric: str
    numerator: int
    denominator: int
    threshold: float

    @property
    def rate(self) -> float:
        return self.numerator / self.denominator

    @property
    def reason(self) -> str:
        """The pause reason on campaigns: ``reputation guard: bounce rate 3.2% > 2.0% (...)``."""
        where = f"campaign {self.campaign_id}" if self.campaign_id else "rolling window"
        return (
            f"reputation guard: {self.metric} rate {format_rate(self.rate)} > "
            f"{format_rate(self.threshold)} ({where}, {self.numerator} of {self.denominator})"
        )


@dataclass
class GuardOutcome:
    """What one pass found and did."""

    new_alarms: list[ReputationAlarm]
    paused: list[int]
    breaches: list[Breach]


def find_breaches(session: Session, settings: Settings, now: dt.datetime) -> list[Breach]:
    """Every rate over its alarm level: per campaign in flight, then the rolling window."""
    breaches: list[Breach] = []
    for campaign in in_flight(session):
        reputation = campaign_reputation(session, campaign.id, campaign.sent_count)
        breaches += _over(reputation, settings, CAMPAIGN_SCOPE, campaign.id)
    window = window_reputation(session, now, settings.reputation_window_hours)
    breaches += _over(window, settings, WINDOW_SCOPE, None)
    return breaches


def _over(
    reputation: Reputation, settings: Settings, scope: str, campaign_id: int | None
) -> list[Breach]:
    levels = {BOUNCE: settings.bounce_alarm_rate, COMPLAINT: settings.complaint_alarm_rate}
    found = []
    for metric, threshold in levels.items():
        rate = reputation.rate(metric)
        if rate.denominator < settings.reputation_min_volume or rate.value is None:
            continue
        if rate.value > threshold:
            found.append(
                Breach(scope, campaign_id, metric, rate.numerator, rate.denominator, threshold)
            )
    return found


def in_flight(session: Session) -> list[Campaign]:
    """Campaigns whose rows workers may be sending right now."""
    return list(
        session.scalars(
            select(Campaign).where(Campaign.status == CampaignStatus.SENDING).order_by(Campaign.id)
        )
    )


def open_alarms(session: Session) -> list[ReputationAlarm]:
    """Alarms no operator has acknowledged yet, oldest first."""
    return list(
        session.scalars(
            select(ReputationAlarm)
            .where(ReputationAlarm.acknowledged_at.is_(None))
            .order_by(ReputationAlarm.raised_at, ReputationAlarm.id)
        )
    )


def check_reputation(
    session: Session, settings: Settings, pause: Pauser, now: dt.datetime
) -> GuardOutcome:
    """One guard pass: raise alarms for new breaches and pause while any alarm is open.

    The caller commits, then emails operators about ``new_alarms``.
    """
    breaches = find_breaches(session, settings, now)
    quiet_since = now - dt.timedelta(minutes=settings.reputation_rearm_minutes)
    new = [
        _raise(session, breach, now)
        for breach in breaches
        if not _already_known(session, breach, quiet_since)
    ]
    paused: list[int] = []
    alarms = open_alarms(session)
    if alarms:
        own = {a.campaign_id: a.reason for a in alarms if a.campaign_id is not None}
        paused = pause_in_flight(session, pause, alarms[-1].reason, own)
        for alarm in alarms:  # each open alarm lists what was paused while it was open
            if paused:
                alarm.paused_campaign_ids = sorted(set(alarm.paused_campaign_ids) | set(paused))
    session.flush()
    return GuardOutcome(new_alarms=new, paused=paused, breaches=breaches)


def _already_known(session: Session, breach: Breach, quiet_since: dt.datetime) -> bool:
    """An open alarm for the same rate, or one acknowledged too recently to raise again."""
    query = select(ReputationAlarm.id).where(
        ReputationAlarm.scope == breach.scope,
        ReputationAlarm.metric == breach.metric,
        (ReputationAlarm.acknowledged_at.is_(None))
        | (ReputationAlarm.acknowledged_at > quiet_since),
    )
    if breach.campaign_id is not None:
        query = query.where(ReputationAlarm.campaign_id == breach.campaign_id)
    return session.scalar(query.limit(1)) is not None


def _raise(session: Session, breach: Breach, now: dt.datetime) -> ReputationAlarm:
    alarm = ReputationAlarm(
        raised_at=now,
        scope=breach.scope,
        campaign_id=breach.campaign_id,
        metric=breach.metric,
        rate=breach.rate,
        threshold=breach.threshold,
        numerator=breach.numerator,
        denominator=breach.denominator,
        reason=breach.reason,
        paused_campaign_ids=[],
        acknowledge_note="",
    )
    session.add(alarm)
    session.flush()
    audit.record(
        session,
        "reputation.alarm",
        actor=audit.SYSTEM,
        entity_type="reputation_alarm",
        entity_id=alarm.id,
        detail={"reason": breach.reason, "scope": breach.scope, "metric": breach.metric},
    )
    log.warning("%s", breach.reason)
    return alarm


def pause_in_flight(
    session: Session, pause: Pauser, reason: str, own: dict[int, str] | None = None
) -> list[int]:
    """Pause every campaign in flight through the lifecycle; returns the ids paused.

    A campaign whose own rate raised an alarm is paused with that reason, the others with
    ``reason``.
    """
    paused = []
    for campaign in in_flight(session):
        try:
            # The lifecycle's conditional UPDATE changes nothing when it refuses, so there is
            # nothing to roll back before trying the next campaign.
            why = (own or {}).get(campaign.id, reason)
            pause(session, campaign, actor=audit.SYSTEM, reason=why)
        except ValueError as exc:  # the campaign moved meanwhile (finished, cancelled)
            log.info("guard could not pause campaign %s: %s", campaign.id, exc)
            continue
        paused.append(campaign.id)
    return paused


def acknowledge(
    session: Session, alarms: Iterable[ReputationAlarm], actor: audit.Actor, note: str
) -> list[int]:
    """Mark ``alarms`` as seen by an operator; campaigns stay paused until resumed.

    Returns the ids of the campaigns the alarms paused, for the operator to review.
    """
    paused: set[int] = set()
    now = dt.datetime.now(dt.UTC)
    for alarm in alarms:
        alarm.acknowledged_at = now
        alarm.acknowledged_by_id = actor.id
        alarm.acknowledge_note = note
        paused |= set(alarm.paused_campaign_ids)
        audit.record(
            session,
            "reputation.acknowledge",
            actor=actor,
            entity_type="reputation_alarm",
            entity_id=alarm.id,
            detail={"note": note, "reason": alarm.reason},
        )
    session.flush()
    return sorted(paused)
