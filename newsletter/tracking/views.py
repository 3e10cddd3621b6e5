"""The click redirect (the open pixel is answered before Flask, see ``pixel.py``).

The redirect reads the link registry with one indexed query and hands the click to the
tracker. It never fails a reader: bad tokens and unknown links land on the archive.
"""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from newsletter.extensions import db
from newsletter.models import EventType, utcnow
from newsletter.tracking.clicks import ClickTarget, archive_url, resolve_click
from newsletter.tracking.hits import Hit
from newsletter.tracking.pixel import NO_STORE
from newsletter.tracking.recorder import tracker

log = logging.getLogger(__name__)
bp = Blueprint("tracking", __name__)


# Any number: resolve_click bounds it, and a mangled number still leads to the archive.
@bp.route("/t/c/<token>/<int(max=None):position>", methods=["GET", "HEAD"])
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
    try:
        target = resolve_click(db.session, settings.base_url, delivery_id, position)
    except SQLAlchemyError:
        # A reader's click must lead somewhere even while the database is away.
        log.exception("click: cannot read the link registry")
        target = ClickTarget(archive_url(settings.base_url))
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
