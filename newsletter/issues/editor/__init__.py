"""The editors' pages under ``/admin/issues``: list, import, check, preview, test, schedule.

Every page needs the editor role (admins pass). The staff menu shows "Issues" because the
endpoint ``editor.issue_list`` exists.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask

from newsletter.delivery.wall_time import local_text
from newsletter.issues.editor.labels import state_label

bp = Blueprint("editor", __name__, url_prefix="/admin/issues")


def init_app(app: Flask) -> None:
    """Register the editor blueprint (importing the views adds their routes)."""
    from newsletter.issues.editor import (  # noqa: F401
        issue_views,
        list_views,
        preview_views,
        schedule_views,
        send_views,
    )

    app.register_blueprint(bp)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"state_label": state_label, "local_text": local_text}
