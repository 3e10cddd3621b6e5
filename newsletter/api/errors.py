"""The API's one error shape: ``{"error": {"code", "message", "where"}}``.

``code`` is a stable machine-readable word (``not_found``, ``invalid_body``, ...),
``message`` a sentence for the person reading the pipeline's log, and ``where`` names the
part of the request at fault (``body.content``, ``query.page``, ``header.Authorization``) or
is null. Some errors add details next to these, e.g. ``problems`` for an issue that cannot
be read, each with its line number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

#: Codes for the HTTP errors Flask and Werkzeug raise themselves.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An answer other than success, raised anywhere in an API view."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        where: str | None = None,
        *,
        details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.where = where
        self.details = dict(details or {})
        self.headers = dict(headers or {})

    def response(self) -> Response:
        """The JSON response for this error."""
        body = {"code": self.code, "message": self.message, "where": self.where, **self.details}
        response = jsonify(error=body)
        response.status_code = self.status
        response.headers.update(self.headers)
        return response


def not_found(what: str, where: str | None = None) -> ApiError:
    """A 404 for a missing resource, e.g. ``not_found("issue 12", "path.issue_id")``."""
    return ApiError(404, "not_found", f"{what} does not exist", where)


def from_http_exception(error: HTTPException) -> ApiError:
    """The API form of a Werkzeug error (unknown URL, wrong method, body too large, ...)."""
    status = error.code or 500
    headers: dict[str, str] = {}
    allowed = getattr(error, "valid_methods", None)
    if status == 405 and allowed:
        headers["Allow"] = ", ".join(allowed)
    where = "body" if status in (413, 415) else None
    return ApiError(
        status,
        HTTP_CODES.get(status, "http_error"),
        error.description or error.name,
        where,
        headers=headers,
    )
