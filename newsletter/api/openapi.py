"""The OpenAPI 3.1 description of ``/api/v1``, served at ``/api/v1/openapi.json``.

Written by hand next to the endpoints it describes; ``tests/api/test_openapi.py`` checks that
every route of the blueprint is described and every description has a route, and a
schemathesis run checks the answers against it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from newsletter.api.openapi_schemas import SCHEMAS
from newsletter.api.v1 import PREFIX, bp
from newsletter.issues.formats import IssueFormat
from newsletter.models import CampaignStatus

JSON = "application/json"
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 2147483647}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/E{status}"} for status in statuses}


def _path_id(name: str, what: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": ID_SCHEMA, "description": what}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": schema}}}


PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": 1000000}, "Page, from 1."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Rows a page (20)."),
]
#: Errors any authenticated operation may answer.
AUTH_ERRORS = (401, 403)
#: Errors of an operation that reads a JSON body.
BODY_ERRORS = (400, 413, 415, 422)


def _operation(
    summary: str,
    responses: dict[str, Any],
    *,
    scopes: str,
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "description": f"Token scope: {scopes}.",
        "parameters": parameters or [],
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


ISSUE_ID = _path_id("issue_id", "The issue's id.")
ITEM_ID = _path_id("item_id", "The item's id, from the issue's sections.")
CAMPAIGN_ID = _path_id("campaign_id", "The campaign's id.")
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
    "description": "Retrying with the same key returns the first answer instead of a new issue.",
}


CAMPAIGN_ACTIONS = (
    ("pause", "Pause a sending or scheduled campaign.", "operator", "Reason"),
    ("resume", "Resume a paused campaign.", "operator", "OptionalReason"),
    (
        "cancel",
        "Cancel a campaign that has not finished; rows not yet sent end cancelled.",
        "operator (editor for a draft or scheduled campaign)",
        "Reason",
    ),
)


def _paths() -> dict[str, Any]:
    return {
        "/issues": {
            "get": _operation(
                "List issues, newest first.",
                {
                    "200": _json(_ref("IssuePage"), "A page of issues."),
                    **_errors(*AUTH_ERRORS, 422),
                },
                scopes="editor",
                parameters=PAGING,
            ),
            "post": _operation(
                "Create an issue from report text, Markdown or JSON; all or nothing.",
                {
                    "201": {
                        **_json(_ref("Issue"), "The issue as stored, with warnings."),
                        "headers": {"Location": {"schema": {"type": "string"}, "required": True}},
                    },
                    "200": _json(_ref("Issue"), "A retry: the first answer to this key, again."),
                    **_errors(*AUTH_ERRORS, *BODY_ERRORS, 409),
                },
                scopes="editor",
                parameters=[IDEMPOTENCY_KEY],
                body=_body(_ref("IssueInput")),
            ),
        },
        "/issues/{issue_id}": {
            "get": _operation(
                "One issue with its sections and items.",
                {"200": _json(_ref("Issue"), "The issue."), **_errors(*AUTH_ERRORS, 404)},
                scopes="editor",
                parameters=[ISSUE_ID],
            ),
        },
        "/issues/{issue_id}/items/{item_id}": {
            "patch": _operation(
                "Set an item's topics (the editor's choice).",
                {
                    "200": _json(_ref("Item"), "The item as it is now."),
                    **_errors(*AUTH_ERRORS, *BODY_ERRORS, 404, 409),
                },
                scopes="editor",
                parameters=[ISSUE_ID, ITEM_ID],
                body=_body(_ref("ItemUpdate")),
            ),
        },
        "/issues/{issue_id}/preview": {
            "get": _operation(
                "The email readers of a topic mix get, as HTML (links untracked).",
                {
                    "200": {
                        "description": "The email's HTML.",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    **_errors(*AUTH_ERRORS, 404, 422),
                },
                scopes="editor",
                parameters=[
                    ISSUE_ID,
                    _query(
                        "topics",
                        {"type": "string", "maxLength": 500},
                        "Topic slugs separated by commas or '+'; '-' for the general parts "
                        "only; absent for every topic.",
                    ),
                ],
            ),
        },
        "/issues/{issue_id}/schedule": {
            "post": _operation(
                "Schedule the issue: a time (wall time in the zone, or with an offset) and "
                "an audience rule; reuses a draft campaign the issue has.",
                {
                    "201": {
                        **_json(_ref("Campaign"), "The scheduled campaign."),
                        "headers": {"Location": {"schema": {"type": "string"}, "required": True}},
                    },
                    **_errors(*AUTH_ERRORS, *BODY_ERRORS, 404, 409),
                },
                scopes="editor",
                parameters=[ISSUE_ID],
                body=_body(_ref("ScheduleInput")),
            ),
        },
        **{
            f"/campaigns/{{campaign_id}}/{action}": {
                "post": _operation(
                    summary,
                    {
                        "200": _json(_ref("Campaign"), "The campaign as it is now."),
                        **_errors(*AUTH_ERRORS, *BODY_ERRORS, 404, 409),
                    },
                    scopes=scopes,
                    parameters=[CAMPAIGN_ID],
                    body=_body(_ref(body), required=body != "OptionalReason"),
                ),
            }
            for action, summary, scopes, body in CAMPAIGN_ACTIONS
        },
        "/campaigns": {
            "get": _operation(
                "List campaigns, newest first.",
                {
                    "200": _json(_ref("CampaignPage"), "A page of campaigns."),
                    **_errors(*AUTH_ERRORS, 422),
                },
                scopes="editor or operator",
                parameters=[
                    *PAGING,
                    _query(
                        "status",
                        {"type": "string", "enum": [s.value for s in CampaignStatus]},
                        "Only campaigns of this status.",
                    ),
                ],
            ),
        },
        "/campaigns/{campaign_id}": {
            "get": _operation(
                "One campaign: status, schedule, counters and live progress.",
                {"200": _json(_ref("Campaign"), "The campaign."), **_errors(*AUTH_ERRORS, 404)},
                scopes="editor or operator",
                parameters=[CAMPAIGN_ID],
            ),
        },
        "/openapi.json": {
            "get": {
                "summary": "This description.",
                "security": [],
                "parameters": [],
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
            },
        },
    }


_ERROR_TEXTS = {
    400: "Malformed JSON or an unusable header.",
    401: "No token, or an unknown, revoked or expired one.",
    403: "The token's scope does not allow this.",
    404: "No such resource.",
    409: "The resource's state does not allow this now.",
    413: "The body is larger than 2 MiB.",
    415: "The body is not JSON.",
    422: "A field or query argument is wrong, or the issue cannot be read.",
}


def _error_responses() -> dict[str, Any]:
    responses = {f"E{status}": _json(_ref("Error"), text) for status, text in _ERROR_TEXTS.items()}
    responses["E401"]["headers"] = {
        "WWW-Authenticate": {"schema": {"type": "string"}, "required": True}
    }
    return responses


def build_document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "AI前沿发展日报 newsletter API",
            "version": "1",
            "description": (
                "For the daily pipeline: create issues from the report, check and retag "
                "items, preview, schedule, and follow campaigns. Authenticate with "
                "'Authorization: Bearer <token>' (Settings > API tokens). Errors are "
                '{"error": {"code", "message", "where"}}. Issue formats: '
                + ", ".join(fmt.value for fmt in IssueFormat)
                + "."
            ),
        },
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
            "responses": _error_responses(),
        },
    }


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI description (public: it holds no data)."""
    return jsonify(build_document())
