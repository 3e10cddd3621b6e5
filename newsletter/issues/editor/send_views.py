"""Test sends from the preview page (rate-limited per editor)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from newsletter import audit
from newsletter.config import ConfigError
from newsletter.context import current_render_settings, current_settings
from newsletter.delivery.transports import Transport, TransportError
from newsletter.delivery.transports.factory import build_transport
from newsletter.extensions import db, limiter
from newsletter.issues.editor import bp
from newsletter.issues.editor.forms import TestSendForm
from newsletter.issues.editor.issue_views import get_issue
from newsletter.issues.editor.list_views import editor_only
from newsletter.issues.editor.preview_views import preview_page
from newsletter.issues.editor.topic_choices import topic_choices
from newsletter.issues.preview import choose_mix
from newsletter.issues.storage import load_document
from newsletter.issues.test_send import TestSend, parse_recipients, send_test
from newsletter.models import Issue
from newsletter.rendering import RenderError

#: Each editor may send this many test sends (each to up to five addresses) per hour.
TEST_SEND_LIMIT = "20 per hour"


def _editor_key() -> str:
    return f"test-send:{current_user.get_id()}"


@bp.route("/<int:issue_id>/test-send", methods=["POST"])
@editor_only
@limiter.limit(TEST_SEND_LIMIT, key_func=_editor_key)
def test_send(issue_id: int) -> Response | tuple[str, int]:
    """Send the chosen mix to the given addresses with the real pipeline and transport."""
    issue = get_issue(issue_id)
    form = TestSendForm()
    choices = topic_choices()
    form.topics.choices = dict(choices)
    if form.validate_on_submit():
        try:
            recipients = parse_recipients(form.recipients.data or "")
        except ValueError as exc:
            form.recipients.errors = [*form.recipients.errors, str(exc)]
        else:
            mix = choose_mix(form.topics.data or [], (slug for slug, _name in choices))
            return _send(issue_id, mix, recipients, form.locale.data or "zh-CN")
    return preview_page(issue, send_form=form), 422


def _send(
    issue_id: int, mix: frozenset[str] | None, recipients: list[str], locale: str
) -> Response:
    issue = get_issue(issue_id)
    try:
        sent = _send_with_transport(issue, mix, recipients, locale)
    except (TransportError, RenderError, OSError) as exc:
        db.session.rollback()
        flash(_("The test could not be sent: %(why)s", why=str(exc)), "error")
    else:
        db.session.commit()
        flash(
            _("Test of mix %(mix)s sent to %(to)s.", mix=sent.variant, to=", ".join(recipients)),
            "success",
        )
    topics = sorted(mix) if mix else []
    return redirect(url_for("editor.preview", issue_id=issue_id, topics=topics, locale=locale))


def _send_with_transport(
    issue: Issue, mix: frozenset[str] | None, recipients: list[str], locale: str
) -> TestSend:
    transport = editor_transport()
    try:
        return send_test(
            db.session,
            issue,
            load_document(issue),
            mix,
            recipients,
            settings=current_render_settings(db.session),
            transport=transport,
            locale=locale,
            actor=audit.current_actor(),
        )
    finally:
        transport.close()


def editor_transport() -> Transport:
    """The transport test sends go through: the one configured for all mail."""
    try:
        return build_transport(current_settings())
    except ConfigError as exc:
        raise TransportError(
            "the mail transport is not set up: " + "; ".join(exc.problems)
        ) from exc
