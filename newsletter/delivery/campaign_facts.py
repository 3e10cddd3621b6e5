"""What operators read about a campaign, on the command line and on the Sending pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.delivery.audience import describe
from newsletter.delivery.wall_time import local_text
from newsletter.metrics.progress import progress_of
from newsletter.models import AuditEntry, Campaign

#: History entries shown; a campaign collects a handful, a long-running one a few dozen.
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class HistoryEntry:
    """One audited change of a campaign: when, what, who and why."""

    at: dt.datetime
    action: str
    who: str
    why: str
    detail: dict[str, Any]

    @property
    def when(self) -> str:
        """UTC, to the second, for the command line."""
        return f"{self.at:%Y-%m-%d %H:%M:%S}Z"


def campaign_history(session: Session, campaign_id: int) -> list[HistoryEntry]:
    """The campaign's audit trail, oldest first (transitions, resends, rows found in doubt)."""
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "campaign", AuditEntry.entity_id == str(campaign_id))
        .order_by(AuditEntry.at, AuditEntry.id)
        .limit(HISTORY_LIMIT)
    )
    return [
        HistoryEntry(
            at=entry.at,
            action=entry.action.removeprefix("campaign."),
            who=entry.actor_label or entry.actor_type,
            why=str((entry.detail or {}).get("reason", "")),
            detail=entry.detail or {},
        )
        for entry in entries
    ]


def campaign_summary(session: Session, campaign: Campaign) -> list[tuple[str, str]]:
    """(label, value) lines: status, issue, audience, times and progress counts."""
    zone = campaign.schedule_timezone
    progress = progress_of(session, campaign)
    lines = [
        ("campaign", f"{campaign.id} {campaign.name}"),
        ("status", campaign.status.value),
        ("issue", f"{campaign.issue.id} ({campaign.issue.slug})"),
        ("audience", describe(campaign.audience)),
        ("scheduled", local_text(campaign.scheduled_at, zone) or "-"),
        ("started", local_text(campaign.started_at, zone) or "-"),
        ("finished", local_text(campaign.finished_at, zone) or "-"),
    ]
    if campaign.pause_reason:
        lines.append(("paused because", campaign.pause_reason))
    if campaign.resume_at:
        lines.append(("resumes at", local_text(campaign.resume_at, zone)))
    counts = ("sent", "failed", "skipped", "queued", "deferred", "sending", "in_doubt")
    lines.append(("recipients", str(progress.recipients)))
    lines += [(name, str(getattr(progress, name))) for name in counts]
    return lines
