"""Error pages: HTML for people, JSON for the API, never a bare stack trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def init_app(app: Flask) -> None:
    """Register the handlers for every HTTP error and for unexpected exceptions."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _http_error(error: HTTPException) -> tuple[Response | str, int]:
    code = error.code or 500
    if request.path.startswith("/api/"):
        from newsletter.api.errors import from_http_exception

        return from_http_exception(error).response(), code
    if wants_json():
        return jsonify(error={"code": code, "message": error.description}), code
    try:
        return render_template("web/error.html", error=error, code=code), code
    except Exception:
        # The error page itself failed (a broken template, a lost database): answer plainly.
        log.exception("the error page for %s failed", code)
        return f"{code} {error.name}", code


def _unexpected_error(error: Exception) -> tuple[Response | str, int]:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())
