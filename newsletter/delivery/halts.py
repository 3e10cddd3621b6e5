"""When the sender stops a campaign by itself: the quota, a blocked account, failures.

Each goes through :func:`newsletter.delivery.lifecycle.pause`, so the pause is audited
with its reason like an operator's; a campaign that another worker (or an operator) has
paused or cancelled a moment earlier is left as it is.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.delivery import lifecycle
from newsletter.delivery.errors import TransitionError
from newsletter.models import Campaign

log = logging.getLogger(__name__)


def pause_campaign(
    session: Session, campaign_id: int, reason: str, resume_at: dt.datetime | None = None
) -> bool:
    """Pause a sending campaign as the system; False when it was no longer sending."""
    campaign = session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None:
        return False
    try:
        lifecycle.pause(session, campaign, actor=audit.SYSTEM, reason=reason, resume_at=resume_at)
    except TransitionError as exc:
        log.info("campaign %s not paused (%s): %s", campaign_id, reason, exc)
        return False
    log.warning("campaign %s paused by the sender: %s", campaign_id, reason)
    return True


def quota_reason(resume_at: dt.datetime) -> str:
    """The pause reason for a used-up 24-hour quota."""
    return (
        "the 24-hour sending quota is used up; sending resumes by itself at "
        f"{resume_at:%Y-%m-%d %H:%M} UTC"
    )


def blocked_reason(error: Exception) -> str:
    """The pause reason for an account or configuration that cannot send at all."""
    return f"the sending account cannot send ({error}); fix it, then resume the campaign"


def failure_reason(rate: float, limit: float, window: int) -> str:
    """The pause reason for too many permanent failures."""
    return (
        f"{rate:.0%} of the last {window} messages failed permanently (the limit is "
        f"{limit:.0%}); check the failed rows' reasons, then resume the campaign"
    )


def render_reason(error: Exception) -> str:
    """The pause reason for an issue that cannot be rendered."""
    return f"the issue cannot be rendered for sending: {error}; fix the issue, then resume"
