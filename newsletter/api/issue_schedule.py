"""``POST /api/v1/issues/{id}/schedule``: send the issue at a time, to an audience."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Response, jsonify, url_for

from newsletter.api.auth import current_token, scopes_required
from newsletter.api.errors import ApiError
from newsletter.api.inputs import invalid, json_object, object_field, string_list, text_field
from newsletter.api.issue_endpoints import ISSUE_ID, find_issue
from newsletter.api.representations import campaign_json
from newsletter.api.tokens import token_actor
from newsletter.api.v1 import bp
from newsletter.delivery.errors import AudienceError, TransitionError
from newsletter.delivery.lifecycle import PAST_GRACE
from newsletter.extensions import db
from newsletter.issues.scheduling import schedule_for_editor
from newsletter.models import Role, utcnow

DEFAULT_TIMEZONE = "Asia/Shanghai"


@bp.post(f"/issues/{ISSUE_ID}/schedule")
@scopes_required(Role.EDITOR)
def schedule_issue(issue_id: int) -> tuple[Response, int, dict[str, str]]:
    """Schedule the issue: ``at`` (wall time in ``timezone``, or with an offset), audience."""
    body = json_object({"at", "timezone", "audience"})
    timezone = text_field(body, "timezone", required=False, max_length=64) or DEFAULT_TIMEZONE
    at = _moment(text_field(body, "at", max_length=40) or "", timezone)
    audience = _audience(object_field(body, "audience"))
    issue = find_issue(issue_id)
    session = db.session
    try:
        campaign = schedule_for_editor(
            session,
            issue,
            at=at,
            timezone=timezone,
            actor=token_actor(current_token()),
            audience=audience,
        )
    except AudienceError as exc:
        raise invalid("body.audience", str(exc)) from exc
    except TransitionError as exc:
        raise ApiError(409, "invalid_transition", str(exc), "path.issue_id") from exc
    session.commit()
    location = url_for("api.get_campaign", campaign_id=campaign.id)
    return jsonify(campaign_json(campaign)), 201, {"Location": location}


def _moment(text: str, timezone: str) -> dt.datetime:
    """``at`` as given (naive: wall time in ``timezone``), refused when clearly past."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        message = f"'{timezone}' is not a known time zone; use an IANA name like Asia/Shanghai"
        raise invalid("body.timezone", message) from exc
    try:
        at = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise invalid("body.at", f"'{text}' is not a time like 2026-04-08T08:00") from exc
    try:
        when = (at if at.tzinfo else at.replace(tzinfo=zone)).astimezone(dt.UTC)
    except (OverflowError, ValueError) as exc:
        raise invalid("body.at", f"'{text}' is out of range") from exc
    if when < utcnow() - PAST_GRACE:
        raise invalid("body.at", f"'{text}' ({timezone}) is in the past; choose a later time")
    return at


def _audience(audience: dict[str, Any] | None) -> dict[str, Any] | None:
    """The audience rule's shape; which topics exist is the lifecycle's to check."""
    if audience is None:
        return None
    unknown = sorted(set(audience) - {"topics", "match"})
    if unknown:
        raise invalid(f"body.audience.{unknown[0]}", f"unknown audience key '{unknown[0]}'")
    topics = string_list(audience.get("topics", []), "body.audience.topics", max_items=20)
    match = audience.get("match", "any")
    if match not in ("any", "all"):
        raise invalid("body.audience.match", "'match' must be 'any' or 'all'")
    return {"topics": topics, "match": match}
