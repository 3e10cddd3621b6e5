"""The preview: any topic mix, in Chinese or English, at desktop or phone width.

The page holds the controls, the Gmail clip warning and the size of every mix; the email
itself is served by :func:`preview_frame`, its own route, into a sandboxed iframe under a
Content-Security-Policy that lets it style itself and nothing else (no scripts, no forms,
no plugins), so the issue's HTML never runs with the staff pages' rights.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import render_template as render
from flask import request, url_for
from werkzeug.wrappers import Response

from newsletter.context import current_render_settings
from newsletter.extensions import db
from newsletter.issues.document import IssueDocument
from newsletter.issues.editor import bp
from newsletter.issues.editor.forms import TestSendForm
from newsletter.issues.editor.issue_views import get_issue
from newsletter.issues.editor.list_views import editor_only
from newsletter.issues.editor.topic_choices import topic_choices
from newsletter.issues.preview import LOCALES, MixSize, choose_mix, mix_sizes, render_preview
from newsletter.issues.storage import load_document
from newsletter.models import Issue
from newsletter.rendering.view import derive_subject, topics_label
from newsletter.topics import parse_variant_key, variant_key

#: The iframe's document may only style itself and show images; it runs nothing.
FRAME_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; "
    "font-src https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
)
WIDTHS = ("desktop", "mobile")


@dataclass(frozen=True)
class PreviewChoice:
    """What the editor asked to see: a topic mix (None = all), a language and a width."""

    mix: frozenset[str] | None
    locale: str
    width: str

    def query(self) -> dict[str, Any]:
        """The choice as URL parameters, for the iframe and for links back here."""
        topics = sorted(self.mix) if self.mix is not None else []
        return {"topics": topics, "locale": self.locale, "width": self.width}


def read_choice(known: Iterable[str]) -> PreviewChoice:
    """The choice in the query string; anything unknown falls back to the default."""
    locale = request.args.get("locale", LOCALES[0])
    width = request.args.get("width", WIDTHS[0])
    return PreviewChoice(
        mix=choose_mix(request.args.getlist("topics"), known),
        locale=locale if locale in LOCALES else LOCALES[0],
        width=width if width in WIDTHS else WIDTHS[0],
    )


@bp.route("/<int:issue_id>/preview")
@editor_only
def preview(issue_id: int) -> str:
    """The controls, the clip warning of the chosen mix and the size of every mix."""
    return preview_page(get_issue(issue_id))


def preview_page(issue: Issue, send_form: TestSendForm | None = None) -> str:
    """Render the preview page (also after a test send that needs correcting)."""
    choices = topic_choices()
    choice = read_choice(slug for slug, _name in choices)
    doc = load_document(issue)
    settings = current_render_settings(db.session)
    sizes = mix_sizes(db.session, doc, settings, choice.locale)
    current_key = variant_key(choice.mix, doc.topics_used())
    current = next((size for size in sizes if size.row.key == current_key), None)
    if send_form is None:
        send_form = TestSendForm(locale=choice.locale)
        ticked = [slug for slug, _name in choices if choice.mix is None or slug in choice.mix]
        send_form.topics.data = ticked
    send_form.topics.choices = dict(choices)
    return render(
        "editor/preview.html",
        issue=issue,
        choice=choice,
        choices=choices,
        sizes=sizes,
        current=current,
        current_key=current_key,
        clipped=[size for size in sizes if size.row.excess],
        subject=derive_subject(doc.filtered(choice.mix), settings, choice.locale),
        mix_label=topics_label(choice.mix, settings, choice.locale),
        frame_url=url_for("editor.preview_frame", issue_id=issue.id, **choice.query()),
        send_form=send_form,
        mix_query=_mix_links(sizes, choice),
    )


def _mix_links(sizes: list[MixSize], choice: PreviewChoice) -> dict[str, dict[str, Any]]:
    """For each variant row that the checkboxes can choose, the query that previews it."""
    links: dict[str, dict[str, Any]] = {}
    for size in sizes:
        mix = parse_variant_key(size.row.key)
        if mix is None or mix:
            topics = sorted(mix) if mix else []
            links[size.row.key] = {"topics": topics, "locale": choice.locale, "width": choice.width}
    return links


@bp.route("/<int:issue_id>/preview/frame")
@editor_only
def preview_frame(issue_id: int) -> Response:
    """The email of the chosen mix as readers get it, for the sandboxed iframe only."""
    issue = get_issue(issue_id)
    choices = topic_choices()
    choice = read_choice(slug for slug, _name in choices)
    html = frame_html(load_document(issue), issue, choice)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = FRAME_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response


def frame_html(doc: IssueDocument, issue: Issue, choice: PreviewChoice) -> str:
    """The personalised HTML of the chosen mix (test-send links, no tracking)."""
    settings = current_render_settings(db.session)
    _rendered, html = render_preview(doc, choice.mix, settings, choice.locale, issue.slug)
    return html
