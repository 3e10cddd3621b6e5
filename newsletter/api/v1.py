"""The ``/api/v1`` blueprint: body limits, JSON errors, no cookies; routes live beside it."""

from __future__ import annotations

from flask import Blueprint, request, session
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from newsletter.api.errors import ApiError, from_http_exception
from newsletter.api.inputs import MAX_BODY_BYTES
from newsletter.extensions import db

PREFIX = "/api/v1"

bp = Blueprint("api", __name__, url_prefix=PREFIX)


@bp.before_request
def _limit_body() -> None:
    # Far below the app's limit for uploads: the API reads JSON into memory.
    request.max_content_length = MAX_BODY_BYTES


@bp.after_request
def _no_cookies(response: Response) -> Response:
    # A script's token is its only credential: never start or refresh a browser session.
    session.modified = False
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    db.session.rollback()
    return error.response()


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    db.session.rollback()
    return from_http_exception(error).response()
