"""``/healthz``: is this process able to serve, and can it reach its database."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, jsonify
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from newsletter.extensions import db
from newsletter.migrations import current_revision, head_revision

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """200 with component states when healthy, 503 when the database is unreachable."""
    checks: dict[str, str] = {}
    healthy = True
    try:
        db.ping()
        checks["database"] = "ok"
        revision = current_revision(db.engine)
        checks["schema"] = "ok" if revision == head_revision() else f"behind ({revision})"
    except SQLAlchemyError as exc:
        log.warning("health check: database unreachable: %s", exc)
        checks["database"] = "unreachable"
        healthy = False
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return jsonify(body), 200 if healthy else 503


def init_app(app: Flask) -> None:
    """Register the health endpoint."""
    app.register_blueprint(bp)
