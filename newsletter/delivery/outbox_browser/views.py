"""The outbox list, one message's page, its HTML in a sandbox, and the raw download.

An email's HTML is foreign content: it is served on its own URL with a policy that allows
no script, no remote request (so our own tracking pixel is not fired by an operator looking
at a message) and no framing except by our own page, which also frames it with ``sandbox``.
"""

from __future__ import annotations

from pathlib import Path

from flask import abort, render_template, request, send_file
from werkzeug.wrappers import Response

from newsletter.auth.roles import roles_required
from newsletter.context import current_settings
from newsletter.delivery.outbox_browser import bp
from newsletter.delivery.outbox_browser.store import (
    NotInOutbox,
    body_text,
    list_messages,
    message_path,
    read_message,
)
from newsletter.models import Role

operator_only = roles_required(Role.OPERATOR)
#: For an email's HTML: inline styles and embedded images only, nothing runs or loads.
EMAIL_HTML_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox"
)


def _root() -> Path:
    return Path(current_settings().outbox_dir)


@bp.route("/")
@operator_only
def message_list() -> str:
    """The outbox's messages, newest first."""
    page = list_messages(_root(), request.args.get("page", 1, type=int) or 1)
    return render_template(
        "outbox/list.html",
        page=page,
        folder=str(_root()),
        transport=current_settings().transport,
    )


@bp.route("/<day>/<name>")
@operator_only
def message(day: str, name: str) -> str:
    """One message: its headers, the text part and the HTML part in a sandboxed frame."""
    try:
        parsed = read_message(_root(), day, name)
    except NotInOutbox:
        abort(404)
    return render_template(
        "outbox/message.html",
        day=day,
        name=name,
        headers=[(key, str(value)) for key, value in parsed.items()],
        subject=str(parsed.get("Subject", "")),
        text=body_text(parsed, "plain"),
        has_html=parsed.get_body(("html",)) is not None,
    )


@bp.route("/<day>/<name>/html")
@operator_only
def message_html(day: str, name: str) -> Response:
    """The message's HTML part alone, under a policy that lets nothing run or load."""
    try:
        html = body_text(read_message(_root(), day, name), "html")
    except NotInOutbox:
        abort(404)
    if html is None:
        abort(404)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMAIL_HTML_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<day>/<name>/raw")
@operator_only
def message_raw(day: str, name: str) -> Response:
    """The ``.eml`` file as it was written, as a download."""
    try:
        path = message_path(_root(), day, name)
    except NotInOutbox:
        abort(404)
    return send_file(path, mimetype="message/rfc822", as_attachment=True, download_name=name)
