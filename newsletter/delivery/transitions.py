"""Which status changes a campaign may make, and the one way they are carried out.

Each change is a compare-and-set: the status is read, then ``UPDATE ... WHERE id = :id AND
status = :read``. Two processes that race (an operator's pause and the scheduler's start, the
reputation guard and a cancel) cannot both win; the loser changes nothing and gets a
:class:`TransitionError` naming the status it found. Every change is audited and logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.delivery.errors import TransitionError
from newsletter.models import Campaign, CampaignStatus, utcnow
from newsletter.tracking.rows import affected_rows

log = logging.getLogger(__name__)

S = CampaignStatus


@dataclass(frozen=True)
class Transition:
    """A named change of status: the audit action, its past tense and where it may start."""

    action: str
    done: str
    sources: tuple[CampaignStatus, ...]

    def allows(self, status: CampaignStatus) -> bool:
        """Whether a campaign in ``status`` may make this change."""
        return status in self.sources


SCHEDULE = Transition("schedule", "scheduled", (S.DRAFT, S.SCHEDULED))
UNSCHEDULE = Transition("unschedule", "unscheduled", (S.SCHEDULED,))
START = Transition("start", "started", (S.DRAFT, S.SCHEDULED))
PAUSE = Transition("pause", "paused", (S.SENDING, S.SCHEDULED))
RESUME = Transition("resume", "resumed", (S.PAUSED,))
CANCEL = Transition("cancel", "cancelled", (S.DRAFT, S.SCHEDULED, S.SENDING, S.PAUSED))
COMPLETE = Transition("complete", "completed", (S.SENDING,))
# An operator resends failed rows of a finished campaign: it sends again until they are done.
REOPEN = Transition("reopen", "reopened", (S.SENT,))

#: Every transition, in the order an operator meets them.
TRANSITIONS = (SCHEDULE, UNSCHEDULE, START, PAUSE, RESUME, CANCEL, COMPLETE, REOPEN)


def allowed_actions(status: CampaignStatus) -> list[str]:
    """The actions a campaign in ``status`` offers (for buttons and command help)."""
    return [t.action for t in TRANSITIONS if t.allows(status) and t not in (COMPLETE, REOPEN)]


def refusal(campaign_id: int, status: CampaignStatus, transition: Transition) -> str:
    """The operator's message: what the campaign is and what the change needs."""
    sources = [str(s) for s in transition.sources]
    wanted = sources[0] if len(sources) == 1 else ", ".join(sources[:-1]) + " or " + sources[-1]
    article = "an" if wanted[0] in "aeiou" else "a"
    return (
        f"campaign {campaign_id} is {status}; only {article} {wanted} campaign "
        f"can be {transition.done}"
    )


def current_status(session: Session, campaign: Campaign) -> CampaignStatus:
    """The campaign's status as the database has it now (other processes may have moved it)."""
    session.flush()
    status = session.scalar(select(Campaign.status).where(Campaign.id == campaign.id))
    if status is None:
        raise TransitionError(f"campaign {campaign.id} does not exist")
    return status


def check(session: Session, campaign: Campaign, transition: Transition) -> CampaignStatus:
    """The current status, or a TransitionError when ``transition`` is not allowed from it."""
    status = current_status(session, campaign)
    if not transition.allows(status):
        session.refresh(campaign)
        raise TransitionError(refusal(campaign.id, status, transition))
    return status


def move(
    session: Session,
    campaign: Campaign,
    transition: Transition,
    *,
    source: CampaignStatus,
    target: CampaignStatus,
    actor: audit.Actor,
    reason: str,
    detail: dict[str, Any] | None = None,
    when: ColumnElement[bool] | None = None,
    **values: Any,
) -> None:
    """Move ``campaign`` from ``source`` (as read by :func:`check`) to ``target``.

    ``values`` are further columns to set in the same UPDATE, ``when`` a further condition.
    Refuses, changing nothing, when another process moved the campaign since ``source`` was
    read (or ``when`` does not hold).
    """
    condition = Campaign.status == source if when is None else (Campaign.status == source) & when
    result = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, condition)
        .values(status=target, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(campaign)
    if affected_rows(result) != 1:
        raise TransitionError(refusal(campaign.id, campaign.status, transition))
    entry = {"from": str(source), "to": str(target), "reason": reason, **(detail or {})}
    audit.record(
        session,
        f"campaign.{transition.action}",
        actor=actor,
        entity_type="campaign",
        entity_id=campaign.id,
        detail=entry,
    )
    log.info(
        "campaign %s %s by %s: %s -> %s%s",
        campaign.id,
        transition.done,
        actor.label or actor.type,
        source,
        target,
        f" ({reason})" if reason else "",
    )
