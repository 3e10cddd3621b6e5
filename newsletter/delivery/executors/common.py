"""What both executors ask the ledger: which campaigns have work, and which are done."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.delivery import lifecycle
from newsletter.delivery.claims import has_claimable
from newsletter.models import Campaign, CampaignStatus


def sending_campaigns(session: Session) -> list[int]:
    """Ids of the campaigns now sending, oldest start first (they go out in that order)."""
    return list(
        session.scalars(
            select(Campaign.id)
            .where(Campaign.status == CampaignStatus.SENDING)
            .order_by(Campaign.started_at, Campaign.id)
        )
    )


def campaigns_with_work(session: Session) -> list[int]:
    """Sending campaigns with rows to claim now; the others are finished if they are done.

    A campaign whose last rows were skipped or failed in another worker's batch, or whose
    audience was empty, is completed here, so it never stays ``sending`` with nothing to do.
    """
    busy = []
    for campaign_id in sending_campaigns(session):
        if has_claimable(session, campaign_id):
            busy.append(campaign_id)
        elif lifecycle.complete_if_done(session, campaign_id):
            session.commit()
    session.commit()
    return busy
