"""The operators' outbox browser: the ``.eml`` files the outbox transport wrote.

Everything here is under ``/admin/outbox`` and needs the operator role (admins pass). The
staff menu shows "Outbox" because the endpoint ``outbox.message_list`` exists.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")


def init_app(app: Flask) -> None:
    """Register the outbox browser (importing the views adds their routes)."""
    from newsletter.delivery.outbox_browser import views  # noqa: F401

    app.register_blueprint(bp)
