"""Error pages: HTML for people, JSON for the API, never a bare stack trace."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, make_response, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable
from werkzeug.wrappers import Response

from newsletter.database import discard_request_session

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait when the database cannot be reached (a restart or a
#: fail-over usually takes this long).
DATABASE_RETRY_AFTER = 30


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def init_app(app: Flask) -> None:
    """Register the handlers for every HTTP error and for unexpected exceptions."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(Exception, _unexpected_error)


def is_unreachable_database(error: BaseException) -> bool:
    """True for a database that cannot be reached (down, restarting, connection lost), as
    opposed to a bug such as a violated constraint or a malformed query."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


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


def _database_error(error: DBAPIError) -> Response | tuple[Response | str, int]:
    """503 with Retry-After and the usual error page for an unreachable database; any other
    database error is a bug, answered like one."""
    if not is_unreachable_database(error):
        return _unexpected_error(error)
    # Nothing (the error page, the teardown) may reuse the broken session; the next use
    # opens a fresh one.
    discard_request_session(g)
    # One line, no traceback and no SQL (its parameters may hold readers' addresses); the
    # driver's first line says what failed, and the log filter masks any password in it.
    reason = next(iter(str(error.orig).strip().splitlines()), "")
    log.error(
        "database unreachable on %s %s: %s: %s",
        request.method,
        request.path,
        type(error.orig or error).__name__,
        reason,
    )
    unavailable = ServiceUnavailable(retry_after=DATABASE_RETRY_AFTER)
    response = make_response(_http_error(unavailable))
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def _unexpected_error(error: Exception) -> tuple[Response | str, int]:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())
