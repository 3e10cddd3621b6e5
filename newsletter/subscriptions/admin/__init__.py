"""The operators' pages for readers: list, detail, suppression list, import and export.

Everything here is under ``/admin/subscribers`` and needs the operator role (admins pass).
The staff menu shows "Subscribers" because the endpoint ``operators.subscribers`` exists.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("operators", __name__, url_prefix="/admin/subscribers")


def init_app(app: Flask) -> None:
    """Register the operators' blueprint (importing the views adds their routes)."""
    from newsletter.subscriptions.admin import (  # noqa: F401
        reader_views,
        suppression_views,
        transfer_views,
    )

    app.register_blueprint(bp)
