"""Routes of the public archive: ``/archive``, ``/archive/<slug>``, ``/archive/feed.atom``.

The issue page serves exactly the "view in browser" URLs of the emails
(:class:`newsletter.rendering.links.ReaderLinks`): ``/archive/SLUG[?topics=KEY]``.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from newsletter.archive.feed import FeedHead, build_feed
from newsletter.archive.pages import feed_entry, issue_page
from newsletter.archive.published import find_published, latest_published, list_published
from newsletter.archive.topics_param import parse_topics_param
from newsletter.context import current_render_settings, email_locale
from newsletter.extensions import db
from newsletter.issues.storage import load_document
from newsletter.models import utcnow
from newsletter.rendering.templating import linkify_html
from newsletter.tracking.clicks import archive_url

bp = Blueprint("archive", __name__)
# The issue page's template turns URLs in running text into plain, untracked links.
bp.context_processor(lambda: {"linkify": linkify_html})

PAGE_SIZE = 20
FEED_SIZE = 30


@bp.route("/archive")
def index() -> str:
    """Published issues, newest first, optionally only those with items of one topic."""
    session = db.session
    settings = current_render_settings(session)
    locale = email_locale(str(get_locale()))
    topic = request.args.get("topic", "").strip()
    if topic and not any(label.slug == topic for label in settings.topics):
        topic = ""
    page = list_published(
        session, number=request.args.get("page", 1, type=int), size=PAGE_SIZE, topic=topic or None
    )
    topics = [(label.slug, settings.topic_name(label.slug, locale)) for label in settings.topics]
    return render_template("archive/index.html", page=page, topics=topics, topic=topic)


@bp.route("/archive/feed.atom")
def feed() -> Response:
    """The newest published issues as an Atom feed."""
    session = db.session
    settings = current_render_settings(session)
    locale = settings.default_locale
    head = FeedHead(
        id=archive_url(settings.base_url),
        title=settings.site_name,
        subtitle=_("Past issues of the AI Frontier Daily"),
        site_url=archive_url(settings.base_url),
        self_url=f"{archive_url(settings.base_url)}/feed.atom",
        author=settings.site_name,
        language=locale,
    )
    entries = [feed_entry(e, settings, locale) for e in latest_published(session, FEED_SIZE)]
    body = build_feed(head, entries, utcnow())
    return Response(body, mimetype="application/atom+xml")


@bp.route("/archive/<slug>")
def issue(slug: str) -> str:
    """One published issue as a web page, every topic or the mix in ``?topics=``."""
    session = db.session
    entry = find_published(session, slug)
    if entry is None:
        abort(404, description=_("There is no published issue at this address."))
    settings = current_render_settings(session)
    document = load_document(entry.issue)
    known = [label.slug for label in settings.topics]
    chosen = parse_topics_param(request.args.get("topics"), known)
    page = issue_page(entry, document, chosen, settings, email_locale(str(get_locale())))
    return render_template("archive/issue.html", page=page, entry=entry)
