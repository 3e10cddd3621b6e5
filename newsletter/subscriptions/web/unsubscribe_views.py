"""One-click unsubscribe (RFC 8058) at the URL of every email's List-Unsubscribe header.

Mail providers POST ``List-Unsubscribe=One-Click`` (urlencoded or multipart) without cookies;
the footer page's button posts an empty body. Either way the reader leaves at once, the answer
is a small 200 page, never a redirect, and no cookie is set. A GET changes nothing: link
scanners and prefetchers fetch every URL they see.
"""

from __future__ import annotations

from flask import request, session
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

from newsletter.extensions import db
from newsletter.models import EventSource
from newsletter.subscriptions import leaving
from newsletter.subscriptions.signup import LEFT_STATUSES, reader_actor
from newsletter.subscriptions.web import bp
from newsletter.subscriptions.web.links import open_link, render_for_reader

ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/u/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> tuple[str, int, dict[str, str]]:
    """GET: a page with a confirm button; POST: unsubscribe now, idempotently."""
    link = open_link(token)
    reader = link.subscriber
    if request.method != "POST":  # GET and HEAD: scanners and prefetchers only look
        left = reader.status in LEFT_STATUSES
        page = render_for_reader("subscriptions/unsubscribe.html", reader, token=token, left=left)
        return page, 200, NO_STORE
    _check_one_click_body()
    leaving.unsubscribe(
        db.session,
        reader,
        source="one-click" if request.form else "unsubscribe page",
        delivery=link.delivery,
        event_source=EventSource.TRACKING,
        actor=reader_actor(reader),
    )
    db.session.commit()
    page = render_for_reader("subscriptions/unsubscribed.html", reader, token=token)
    # Rendering the layout makes a CSRF token for its sign-out form, which would start a
    # session; RFC 8058 answers set no cookie, so that token is not kept.
    session.modified = False
    return page, 200, NO_STORE


def _check_one_click_body() -> None:
    """Accept the RFC 8058 body or none at all; refuse anything else that names the field."""
    value = request.form.get(ONE_CLICK_FIELD)
    if value is not None and value.strip() != ONE_CLICK_VALUE:
        raise BadRequest(
            str(_l("An unsubscribe request must send List-Unsubscribe=One-Click or nothing."))
        )
