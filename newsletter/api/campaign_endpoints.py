"""``/api/v1/campaigns``: read campaigns and their progress."""

from __future__ import annotations

from flask import Response, jsonify, request
from sqlalchemy import select

from newsletter.api.auth import scopes_required
from newsletter.api.errors import not_found
from newsletter.api.inputs import invalid, page_args
from newsletter.api.representations import campaign_json, page_json
from newsletter.api.v1 import bp
from newsletter.extensions import db
from newsletter.metrics.progress import progress_of
from newsletter.models import Campaign, CampaignStatus, Role
from newsletter.pagination import paginate

CAMPAIGN_ID = "<int(max=2147483647):campaign_id>"
STATUSES = [status.value for status in CampaignStatus]


@bp.get("/campaigns")
@scopes_required(Role.EDITOR, Role.OPERATOR)
def list_campaigns() -> Response:
    """Campaigns, newest first; ``?status=`` keeps one status."""
    number, size = page_args()
    query = select(Campaign).order_by(Campaign.id.desc())
    status = request.args.get("status")
    if status is not None:
        if status not in STATUSES:
            raise invalid("query.status", f"'status' must be one of {', '.join(STATUSES)}")
        query = query.where(Campaign.status == CampaignStatus(status))
    page = paginate(db.session, query, number, size)
    items = [campaign_json(campaign) for campaign in page.items]
    return jsonify(page_json(items, total=page.total, number=page.number, size=page.size))


@bp.get(f"/campaigns/{CAMPAIGN_ID}")
@scopes_required(Role.EDITOR, Role.OPERATOR)
def get_campaign(campaign_id: int) -> Response:
    """One campaign: status, schedule, counters and live progress."""
    campaign = find_campaign(campaign_id)
    return jsonify(campaign_json(campaign, progress_of(db.session, campaign)))


def find_campaign(campaign_id: int) -> Campaign:
    """The campaign ``campaign_id``, or a 404 naming it."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise not_found(f"campaign {campaign_id}", "path.campaign_id")
    return campaign
