"""``/api/v1/issues``: list, create from a report, read, retag an item, preview, schedule."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from newsletter.api import idempotency
from newsletter.api.auth import current_token, scopes_required
from newsletter.api.errors import ApiError, not_found
from newsletter.api.inputs import invalid, json_object, page_args, string_list, text_field
from newsletter.api.representations import issue_detail, issue_summary, item_json, page_json
from newsletter.api.tokens import token_actor
from newsletter.api.v1 import bp
from newsletter.context import current_settings
from newsletter.extensions import db
from newsletter.issues.formats import IssueFormat
from newsletter.issues.importing import import_issue
from newsletter.issues.problems import Problem, ReportError
from newsletter.issues.status import IssueStatus, issue_status, newest_campaigns
from newsletter.issues.storage import UnknownTopic
from newsletter.issues.topic_edits import IssueLocked, set_item_topics
from newsletter.models import Issue, IssueItem, IssueSection, Role
from newsletter.pagination import paginate
from newsletter.topics.rules import keyword_rules

ISSUE_ID = "<int(max=2147483647):issue_id>"
ITEM_ID = "<int(max=2147483647):item_id>"
FORMATS = [fmt.value for fmt in IssueFormat]


@bp.get("/issues")
@scopes_required(Role.EDITOR)
def list_issues() -> Response:
    """Issues, newest first (by date, then by when they were added)."""
    number, size = page_args()
    session = db.session
    query = select(Issue).order_by(Issue.issue_date.desc().nulls_last(), Issue.id.desc())
    page = paginate(session, query, number, size)
    campaigns = newest_campaigns(session, (issue.id for issue in page.items))
    base_url = current_settings().base_url
    items = [
        issue_summary(IssueStatus(issue, campaigns.get(issue.id)), base_url) for issue in page.items
    ]
    return jsonify(page_json(items, total=page.total, number=page.number, size=page.size))


@bp.post("/issues")
@scopes_required(Role.EDITOR)
def create_issue() -> tuple[Response, int, dict[str, str]] | tuple[Response, int]:
    """Import an issue from report text, Markdown or JSON; all or nothing."""
    body = json_object({"format", "content"})
    token = current_token()
    session = db.session
    key = idempotency.key_of_request()
    body_hash = idempotency.fingerprint(request.get_data(cache=True))
    if key is not None:
        stored = idempotency.stored_answer(session, token.user_id, key, body_hash)
        if stored is not None:
            return jsonify(stored.body), stored.status
    fmt, content = _import_input(body)
    try:
        result = import_issue(
            session,
            content,
            rules=keyword_rules(session),
            actor=token_actor(token),
            fmt=fmt,
            created_by_id=token.user_id,
        )
    except ReportError as exc:
        raise _unreadable(exc) from exc
    answer = {
        **issue_detail(issue_status(session, result.issue), current_settings().base_url),
        "warnings": [_problem(p, "warning") for p in result.warnings],
    }
    if key is not None:
        stored_answer = idempotency.StoredAnswer(201, answer)
        idempotency.remember_answer(session, token.user_id, key, body_hash, stored_answer)
    try:
        session.commit()
    except IntegrityError as exc:  # the same key, sent twice at once: the other one won
        session.rollback()
        raise ApiError(
            409,
            "conflict",
            "a request with this Idempotency-Key was being handled; send it again",
            f"header.{idempotency.HEADER}",
        ) from exc
    location = url_for("api.get_issue", issue_id=result.issue.id)
    return jsonify(answer), 201, {"Location": location}


def _import_input(body: dict[str, Any]) -> tuple[IssueFormat, str]:
    fmt_name = text_field(body, "format", max_length=20) or ""
    if fmt_name not in FORMATS:
        raise invalid("body.format", f"'format' must be one of {', '.join(FORMATS)}")
    fmt = IssueFormat(fmt_name)
    content = body.get("content")
    if fmt is IssueFormat.JSON and isinstance(content, dict):
        return fmt, json.dumps(content, ensure_ascii=False, indent=2)
    if not isinstance(content, str) or not content.strip():
        kinds = "a string or an object" if fmt is IssueFormat.JSON else "a string"
        raise invalid("body.content", f"'content' must be {kinds} holding the issue")
    return fmt, content


def _unreadable(error: ReportError) -> ApiError:
    problems = [_problem(p, "error") for p in error.problems]
    first = str(error.problems[0]) if error.problems else "the issue cannot be read"
    return ApiError(
        422,
        "unreadable_issue",
        f"the issue cannot be read ({len(problems)} problem(s)); first: {first}",
        "body.content",
        details={
            "problems": problems,
            "warnings": [_problem(p, "warning") for p in error.warnings],
        },
    )


def _problem(problem: Problem, severity: str) -> dict[str, Any]:
    return {
        "severity": severity,
        "message": problem.message,
        "line": problem.line,
        "path": problem.path,
    }


@bp.get(f"/issues/{ISSUE_ID}")
@scopes_required(Role.EDITOR)
def get_issue(issue_id: int) -> Response:
    """One issue with every section and item."""
    issue = find_issue(issue_id)
    return jsonify(issue_detail(issue_status(db.session, issue), current_settings().base_url))


@bp.patch(f"/issues/{ISSUE_ID}/items/{ITEM_ID}")
@scopes_required(Role.EDITOR)
def update_item(issue_id: int, item_id: int) -> Response:
    """Set an item's topics (the editor's choice replaces the suggestions)."""
    body = json_object({"topics"})
    if "topics" not in body:
        raise invalid("body.topics", "'topics' is required")
    slugs = string_list(body["topics"], "body.topics", max_items=20)
    session = db.session
    item = session.scalar(
        select(IssueItem)
        .join(IssueSection, IssueSection.id == IssueItem.section_id)
        .where(IssueItem.id == item_id, IssueSection.issue_id == issue_id)
    )
    if item is None:
        raise not_found(f"item {item_id} of issue {issue_id}", "path.item_id")
    try:
        set_item_topics(session, item, slugs, actor=token_actor(current_token()))
    except UnknownTopic as exc:
        raise invalid("body.topics", str(exc)) from exc
    except IssueLocked as exc:
        raise ApiError(409, "issue_locked", str(exc), "path.issue_id") from exc
    session.commit()
    return jsonify(item_json(item))


def find_issue(issue_id: int) -> Issue:
    """The issue ``issue_id``, or a 404 naming it."""
    issue = db.session.get(Issue, issue_id)
    if issue is None:
        raise not_found(f"issue {issue_id}", "path.issue_id")
    return issue
