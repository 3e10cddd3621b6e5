"""``POST /api/v1/campaigns/{id}/pause|resume|cancel``: operators steer a campaign.

An editor's token may cancel a campaign that has not started (draft or scheduled), as the
editor's page can; once it sends, stopping it is an operator's decision.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, jsonify, request

from newsletter.api.auth import current_token, scopes_required
from newsletter.api.campaign_endpoints import CAMPAIGN_ID, find_campaign
from newsletter.api.errors import ApiError
from newsletter.api.inputs import invalid, json_object, text_field
from newsletter.api.representations import campaign_json
from newsletter.api.tokens import token_actor
from newsletter.api.v1 import bp
from newsletter.delivery import lifecycle
from newsletter.delivery.errors import TransitionError
from newsletter.extensions import db
from newsletter.models import Campaign, CampaignStatus, Role

REASON_MAX = 500
NOT_STARTED = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


@bp.post(f"/campaigns/{CAMPAIGN_ID}/pause")
@scopes_required(Role.OPERATOR)
def pause_campaign(campaign_id: int) -> Response:
    """Pause a sending or scheduled campaign; ``reason`` is required."""
    reason = _reason(required=True)
    return _apply(find_campaign(campaign_id), lifecycle.pause, reason)


@bp.post(f"/campaigns/{CAMPAIGN_ID}/resume")
@scopes_required(Role.OPERATOR)
def resume_campaign(campaign_id: int) -> Response:
    """Resume a paused campaign; ``reason`` is optional."""
    reason = _reason(required=False)
    return _apply(find_campaign(campaign_id), lifecycle.resume, reason)


@bp.post(f"/campaigns/{CAMPAIGN_ID}/cancel")
@scopes_required(Role.OPERATOR, Role.EDITOR)
def cancel_campaign(campaign_id: int) -> Response:
    """Cancel a campaign that has not finished; rows not yet sent end cancelled."""
    reason = _reason(required=True)
    campaign = find_campaign(campaign_id)
    if current_token().scope is Role.EDITOR and campaign.status not in NOT_STARTED:
        raise ApiError(
            403,
            "forbidden",
            f"campaign {campaign.id} is {campaign.status.value}; only an operator token can "
            "cancel a campaign that has started",
            "header.Authorization",
        )
    return _apply(campaign, lifecycle.cancel, reason)


def _apply(campaign: Campaign, change: Callable[..., object], reason: str) -> Response:
    """Make the lifecycle ``change`` (pause, resume or cancel), audited as the token's owner."""
    try:
        change(db.session, campaign, actor=token_actor(current_token()), reason=reason)
    except TransitionError as exc:
        raise ApiError(409, "invalid_transition", str(exc), "path.campaign_id") from exc
    db.session.commit()
    return jsonify(campaign_json(campaign))


def _reason(*, required: bool) -> str:
    """The body's ``reason``; the body may be left out when nothing is required."""
    if not required and not request.get_data(cache=True):
        return ""
    body = json_object({"reason"})
    reason = (text_field(body, "reason", required=required, max_length=REASON_MAX) or "").strip()
    if required and not reason:
        raise invalid("body.reason", "say why: 'reason' must not be empty")
    return reason
