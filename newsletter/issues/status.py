"""Where an issue stands in the editor's workflow, from its newest campaign."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import Campaign, CampaignStatus, Issue

#: Campaign states that still belong to the issue's future; the others are history.
LIVE_STATES = frozenset(
    {
        CampaignStatus.DRAFT,
        CampaignStatus.SCHEDULED,
        CampaignStatus.SENDING,
        CampaignStatus.PAUSED,
    }
)


@dataclass(frozen=True)
class IssueStatus:
    """An issue with its newest campaign (None before one exists)."""

    issue: Issue
    campaign: Campaign | None

    @property
    def state(self) -> str:
        """``draft`` without a campaign, otherwise the newest campaign's status."""
        if self.campaign is None:
            return "draft"
        return self.campaign.status.value

    @property
    def can_schedule(self) -> bool:
        """True unless a campaign of the issue is scheduled, sending, paused or sent."""
        return self.campaign is None or self.campaign.status in {
            CampaignStatus.DRAFT,
            CampaignStatus.CANCELLED,
        }


def newest_campaigns(session: Session, issue_ids: Iterable[int]) -> dict[int, Campaign]:
    """The newest campaign of each issue among ``issue_ids`` that has one."""
    ids = list(issue_ids)
    if not ids:
        return {}
    newest: dict[int, Campaign] = {}
    rows = session.scalars(select(Campaign).where(Campaign.issue_id.in_(ids)).order_by(Campaign.id))
    for campaign in rows:
        newest[campaign.issue_id] = campaign
    return newest


def list_issues(session: Session, limit: int = 200) -> list[IssueStatus]:
    """The newest issues first (by date, then by when they were added), with their campaigns."""
    issues = list(
        session.scalars(
            select(Issue)
            .order_by(Issue.issue_date.desc().nulls_last(), Issue.id.desc())
            .limit(limit)
        )
    )
    campaigns = newest_campaigns(session, (issue.id for issue in issues))
    return [IssueStatus(issue, campaigns.get(issue.id)) for issue in issues]


def issue_status(session: Session, issue: Issue) -> IssueStatus:
    """One issue with its newest campaign."""
    return IssueStatus(issue, newest_campaigns(session, [issue.id]).get(issue.id))
