"""``GET /api/v1/issues/{id}/preview``: the email of one topic mix, as HTML."""

from __future__ import annotations

import re

from flask import Response, request

from newsletter.api.auth import scopes_required
from newsletter.api.inputs import invalid
from newsletter.api.issue_endpoints import ISSUE_ID, find_issue
from newsletter.api.v1 import bp
from newsletter.context import current_render_settings
from newsletter.extensions import db
from newsletter.issues.storage import load_document
from newsletter.models import Role
from newsletter.rendering import RenderError, build_link_registry, render_variant
from newsletter.topics import ALL_TOPICS_KEY, GENERAL_ONLY_KEY

#: Inline styles are the email's own; nothing in it may run or load from elsewhere.
PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; sandbox"
PREVIEW_READER = "preview-copy"  # fills the reader slots of a preview
_SEPARATORS = re.compile(r"[+,\s]+")


@bp.get(f"/issues/{ISSUE_ID}/preview")
@scopes_required(Role.EDITOR)
def preview_issue(issue_id: int) -> Response:
    """The HTML readers of ``?topics=a,b`` get (``-``: general parts only; none: all topics)."""
    issue = find_issue(issue_id)
    session = db.session
    settings = current_render_settings(session)
    chosen = _chosen_topics(request.args.get("topics"), {t.slug for t in settings.topics})
    document = load_document(issue)
    try:
        rendered = render_variant(
            document,
            chosen,
            settings,
            build_link_registry(document),
            tracking=False,
            issue_slug=issue.slug,
        )
    except (RenderError, ValueError) as exc:
        raise invalid("path.issue_id", f"the issue cannot be rendered: {exc}") from exc
    html, _text = rendered.personalise(PREVIEW_READER)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["X-Email-Size"] = str(rendered.size)
    if rendered.warning:
        response.headers["X-Email-Warning"] = rendered.warning.encode("ascii", "replace").decode()
    return response


def _chosen_topics(value: str | None, known: set[str]) -> frozenset[str] | None:
    if value is None or value.strip() in ("", ALL_TOPICS_KEY):
        return None
    if value.strip() == GENERAL_ONLY_KEY:
        return frozenset()
    chosen = frozenset(slug for slug in _SEPARATORS.split(value.strip()) if slug)
    unknown = sorted(chosen - known)
    if unknown:
        raise invalid("query.topics", f"unknown topic(s): {', '.join(unknown)}")
    return chosen
