"""Scheduling an issue from the editor's page or ``issues import --schedule``.

An issue has one campaign in flight at a time. Scheduling reuses the issue's draft campaign
(left by an unschedule) rather than piling up drafts, and is refused while a campaign is
scheduled, sending, paused or sent. Every status change itself is the lifecycle's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.delivery import audience as audiences
from newsletter.delivery.errors import TransitionError
from newsletter.delivery.lifecycle import schedule, schedule_issue, unschedule
from newsletter.issues.status import issue_status
from newsletter.models import Campaign, CampaignStatus, Issue


def schedule_for_editor(
    session: Session,
    issue: Issue,
    *,
    at: dt.datetime,
    timezone: str,
    actor: audit.Actor,
    audience: dict[str, Any] | None = None,
) -> Campaign:
    """Schedule ``issue`` for ``at`` (naive: wall time in ``timezone``); the caller commits.

    Raises ``TransitionError`` (a time in the past, an unknown zone, a campaign already in
    flight) or ``AudienceError`` (unknown topics) and then changes nothing.
    """
    current = issue_status(session, issue).campaign
    if current is not None and current.status is CampaignStatus.DRAFT:
        current.audience = audiences.normalise(session, audience)
        schedule(session, current, at=at, timezone=timezone, actor=actor)
        return current
    if current is not None and current.status is not CampaignStatus.CANCELLED:
        raise TransitionError(
            f"issue {issue.id} already has campaign {current.id}, which is "
            f"{current.status.value}; unschedule or cancel it first"
        )
    return schedule_issue(session, issue, at=at, timezone=timezone, actor=actor, audience=audience)


def unschedule_for_editor(
    session: Session, issue: Issue, campaign_id: int, *, actor: audit.Actor
) -> Campaign:
    """Take the issue's scheduled campaign back to draft; refuses another issue's campaign."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.issue_id != issue.id:
        raise TransitionError(f"campaign {campaign_id} is not a campaign of issue {issue.id}")
    unschedule(session, campaign, actor=actor, reason="unscheduled by an editor")
    return campaign
