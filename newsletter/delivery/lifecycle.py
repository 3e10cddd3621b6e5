"""The campaign lifecycle: draft -> scheduled -> sending -> sent, plus paused and cancelled.

This module owns every change of a campaign's status (the table of allowed changes is in
:mod:`newsletter.delivery.transitions`). Functions take the caller's session and never
commit; each change is audited with who and why. Senders re-read the status before every
message, so pause and cancel take effect within seconds of the caller's commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.delivery import audience as audiences
from newsletter.delivery.errors import TransitionError
from newsletter.delivery.transitions import (
    CANCEL,
    COMPLETE,
    PAUSE,
    RESUME,
    SCHEDULE,
    START,
    UNSCHEDULE,
    check,
    move,
)
from newsletter.delivery.wall_time import local_text, to_utc, zone
from newsletter.models import Campaign, CampaignStatus, Delivery, DeliveryState, Issue, utcnow
from newsletter.tracking.rows import affected_rows

#: A schedule this far in the past is still accepted (a form filled in slowly); further
#: back is refused rather than sent at once by surprise.
PAST_GRACE = dt.timedelta(minutes=5)
#: Rows that still wait for a sender; a campaign with none of these left is done.
OPEN_STATES = (DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.DEFERRED)


def create_campaign(
    session: Session,
    issue: Issue,
    *,
    actor: audit.Actor,
    audience: dict[str, Any] | None = None,
    name: str = "",
    track_opens: bool | None = None,
    track_clicks: bool | None = None,
) -> Campaign:
    """A draft campaign of ``issue``; ``audience`` as {"topics": [...], "match": "any"|"all"}.

    Tracking left as None follows the application's setting at send time.
    """
    campaign = Campaign(
        issue_id=issue.id,
        name=name.strip() or issue.title,
        status=CampaignStatus.DRAFT,
        audience=audiences.normalise(session, audience),
        track_opens=True if track_opens is None else track_opens,
        track_clicks=True if track_clicks is None else track_clicks,
        created_by_id=actor.id if actor.type == "staff" else None,
    )
    session.add(campaign)
    session.flush()
    audit.record(
        session,
        "campaign.create",
        actor=actor,
        entity_type="campaign",
        entity_id=campaign.id,
        detail={"issue_id": issue.id, "audience": campaign.audience, "name": campaign.name},
    )
    return campaign


def schedule(
    session: Session,
    campaign: Campaign,
    *,
    at: dt.datetime,
    timezone: str,
    actor: audit.Actor,
    reason: str = "",
) -> None:
    """Schedule (or reschedule) a draft or scheduled campaign for ``at``.

    A naive ``at`` is wall time in ``timezone`` ("08:00 in Shanghai"); an aware one is taken
    as given. Stored in UTC, with the zone kept for display.
    """
    zone(timezone)
    when = to_utc(at, timezone)
    if when < utcnow() - PAST_GRACE:
        raise TransitionError(f"{local_text(when, timezone)} is in the past; choose a later time")
    source = check(session, campaign, SCHEDULE)
    move(session, campaign, SCHEDULE, source=source, target=CampaignStatus.SCHEDULED,
         actor=actor, reason=reason, detail={"at": when.isoformat(), "timezone": timezone},
         scheduled_at=when, schedule_timezone=timezone)  # fmt: skip


def unschedule(
    session: Session, campaign: Campaign, *, actor: audit.Actor, reason: str = ""
) -> None:
    """Take a scheduled campaign back to draft; its time is forgotten."""
    source = check(session, campaign, UNSCHEDULE)
    move(session, campaign, UNSCHEDULE, source=source, target=CampaignStatus.DRAFT,
         actor=actor, reason=reason, scheduled_at=None)  # fmt: skip


def start(session: Session, campaign: Campaign, *, actor: audit.Actor, reason: str = "") -> int:
    """Start sending: take the audience snapshot in this transaction; returns the rows made."""
    source = check(session, campaign, START)
    return _begin_sending(session, campaign, source, actor, reason)


def _begin_sending(
    session: Session, campaign: Campaign, source: CampaignStatus, actor: audit.Actor, reason: str
) -> int:
    now = utcnow()
    transition = START if source is not CampaignStatus.PAUSED else RESUME
    move(session, campaign, transition, source=source, target=CampaignStatus.SENDING,
         actor=actor, reason=reason, started_at=now, snapshot_at=now,
         pause_reason="", resume_at=None)  # fmt: skip
    made = audiences.snapshot(session, campaign)
    campaign.recipients_count = made
    session.flush()
    return made


def pause(
    session: Session,
    campaign: Campaign,
    *,
    actor: audit.Actor,
    reason: str,
    resume_at: dt.datetime | None = None,
) -> None:
    """Pause a sending or scheduled campaign, saying why.

    With ``resume_at`` (the daily quota's window) the scheduler resumes it by itself then.
    """
    reason = _required_reason(reason, "pause")
    source = check(session, campaign, PAUSE)
    detail = {"resume_at": resume_at.isoformat()} if resume_at else None
    move(session, campaign, PAUSE, source=source, target=CampaignStatus.PAUSED, actor=actor,
         reason=reason, detail=detail, pause_reason=reason, resume_at=resume_at)  # fmt: skip


def resume(session: Session, campaign: Campaign, *, actor: audit.Actor, reason: str = "") -> None:
    """Resume a paused campaign; rows deferred meanwhile become due now.

    One that never started goes back to scheduled while its time is ahead; when its time
    has passed (it was held as stale, or paused until after it), resuming starts it now.
    """
    source = check(session, campaign, RESUME)
    if campaign.started_at is None:
        if campaign.scheduled_at is not None and campaign.scheduled_at > utcnow():
            move(session, campaign, RESUME, source=source, target=CampaignStatus.SCHEDULED,
                 actor=actor, reason=reason, pause_reason="", resume_at=None)  # fmt: skip
            return
        _begin_sending(session, campaign, source, actor, reason)
        return
    move(session, campaign, RESUME, source=source, target=CampaignStatus.SENDING, actor=actor,
         reason=reason, pause_reason="", resume_at=None)  # fmt: skip
    session.execute(
        update(Delivery)
        .where(Delivery.campaign_id == campaign.id, Delivery.state == DeliveryState.DEFERRED)
        .values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def cancel(session: Session, campaign: Campaign, *, actor: audit.Actor, reason: str) -> int:
    """Cancel a campaign that has not finished; rows not yet sent end ``cancelled``.

    Returns how many rows were cancelled. Rows a sender holds right now are finished by it.
    """
    reason = _required_reason(reason, "cancel")
    source = check(session, campaign, CANCEL)
    move(session, campaign, CANCEL, source=source, target=CampaignStatus.CANCELLED,
         actor=actor, reason=reason, finished_at=utcnow(), resume_at=None)  # fmt: skip
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.campaign_id == campaign.id,
            Delivery.state.in_((DeliveryState.QUEUED, DeliveryState.DEFERRED)),
        )
        .values(state=DeliveryState.CANCELLED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


def complete_if_done(session: Session, campaign_id: int) -> bool:
    """Mark a sending campaign sent once no row waits for a sender; True when it did.

    Failed and in-doubt rows do not hold it open: they wait for an operator, and the
    campaign reads as sent with problems. The issue is published in the archive then.
    """
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.status is not CampaignStatus.SENDING:
        return False
    waiting = exists().where(Delivery.campaign_id == campaign_id, Delivery.state.in_(OPEN_STATES))
    if session.scalar(select(waiting)):
        return False
    try:  # the UPDATE asks again, so rows resent meanwhile keep the campaign open
        move(session, campaign, COMPLETE, source=CampaignStatus.SENDING,
             target=CampaignStatus.SENT, actor=audit.SYSTEM, reason="every row has an outcome",
             when=~waiting, finished_at=utcnow())  # fmt: skip
    except TransitionError:  # another process completed, paused or cancelled it meanwhile
        return False
    session.execute(
        update(Issue)
        .where(Issue.id == campaign.issue_id, Issue.published_at.is_(None))
        .values(published_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return True


def schedule_issue(
    session: Session,
    issue: Issue,
    *,
    at: dt.datetime,
    timezone: str,
    actor: audit.Actor,
    audience: dict[str, Any] | None = None,
) -> Campaign:
    """Create a campaign of ``issue`` and schedule it, in one step (the editor's "schedule")."""
    campaign = create_campaign(session, issue, actor=actor, audience=audience)
    schedule(session, campaign, at=at, timezone=timezone, actor=actor)
    return campaign


def _required_reason(reason: str, verb: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise TransitionError(f"say why you {verb} the campaign: a reason is required")
    return cleaned
