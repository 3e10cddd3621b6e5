"""The open pixel and the click redirect.

Both answer without touching the database when they can: the pixel verifies one HMAC and
hands the open to the tracker; the redirect reads the link registry with one indexed query.
Neither ever fails a reader: bad tokens still get the image or a page of the archive.
"""

from __future__ import annotations

import base64

from flask import Blueprint, redirect, request
from werkzeug.wrappers import Response

from newsletter.extensions import db
from newsletter.models import EventType, utcnow
from newsletter.tracking.clicks import resolve_click
from newsletter.tracking.hits import Hit
from newsletter.tracking.recorder import tracker

bp = Blueprint("tracking", __name__)

# The smallest transparent 1x1 GIF (43 bytes).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = "no-store, no-cache, must-revalidate, private, max-age=0"


def _pixel() -> Response:
    response = Response(PIXEL, status=200, mimetype="image/gif")
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Pragma"] = "no-cache"
    return response


@bp.route("/t/o/<token>.gif", methods=["GET"])
def open_pixel(token: str) -> Response:
    """The open pixel: always the image; an open is recorded for a genuine token."""
    tracker().open(
        token,
        ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
        method=request.method,
    )
    return _pixel()


@bp.route("/t/o/<path:_rest>", methods=["GET"])
def open_pixel_mangled(_rest: str) -> Response:
    """A pixel URL a mail client mangled: still the image, nothing recorded."""
    return _pixel()


@bp.route("/t/c/<token>/<int:position>", methods=["GET", "HEAD"])
def click(token: str, position: int) -> Response:
    """Redirect to link ``position`` of the delivery's issue and record the click."""
    return _follow(token, position)


@bp.route("/t/c/<path:rest>", methods=["GET", "HEAD"])
def click_mangled(rest: str) -> Response:
    """A click URL whose link number is missing or mangled: the issue's archive page."""
    return _follow(rest.split("/", 1)[0], None)


def _follow(token: str, position: int | None) -> Response:
    tracking = tracker()
    settings = tracking.settings
    delivery_id = tracking.delivery_id(token)
    target = resolve_click(db.session, settings.base_url, delivery_id, position)
    if target.delivery_id is not None and target.track and settings.tracking:
        tracking.record(
            Hit(
                EventType.CLICK,
                target.delivery_id,
                utcnow(),
                request.remote_addr,
                request.headers.get("User-Agent"),
                request.method,
                target.link_id,
            )
        )
    response = redirect(target.location, code=302)
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
