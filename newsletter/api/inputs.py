"""Reading a request's JSON body and its fields, with errors that say what and where.

Nothing here trusts the client: the body must be a JSON object of known fields, each of the
type the description says, or the request ends in a 4xx naming the field (``body.at``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from flask import request

from newsletter.api.errors import ApiError

#: The largest body the API reads; an issue's report is a few hundred kilobytes at most.
MAX_BODY_BYTES = 2 * 1024 * 1024


def json_object(allowed: Collection[str]) -> dict[str, Any]:
    """The request body as a JSON object holding only ``allowed`` fields."""
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            "send the body as JSON with 'Content-Type: application/json'",
            "header.Content-Type",
        )
    raw = request.get_data(cache=True)  # raises 413 past request.max_content_length
    value = _decode(raw)
    if not isinstance(value, dict):
        raise invalid("body", f"the body must be a JSON object, not {json_type(value)}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise invalid(f"body.{unknown[0]}", f"unknown field '{unknown[0]}'")
    _refuse_nul(value, "body")
    return value


def _refuse_nul(value: Any, where: str) -> None:
    """NUL characters have no place in an issue, and PostgreSQL cannot store them."""
    # A loop, not recursion: the body may be nested as deep as the JSON parser allows.
    pending = [(value, where)]
    while pending:
        current, path = pending.pop()
        if isinstance(current, str):
            if "\x00" in current:
                raise invalid(path, "text must not contain NUL characters (\\u0000)")
        elif isinstance(current, list):
            pending.extend((entry, f"{path}[{index}]") for index, entry in enumerate(current))
        elif isinstance(current, dict):
            pending.extend((key, path) for key in current)
            pending.extend((entry, f"{path}.{key}") for key, entry in current.items())


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, "malformed_json", f"the body is not UTF-8: {exc.reason}", "body"
        ) from exc
    except json.JSONDecodeError as exc:
        message = f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise ApiError(400, "malformed_json", message, "body") from exc
    except (ValueError, RecursionError) as exc:
        raise ApiError(
            400, "malformed_json", f"the body is not usable JSON: {exc}", "body"
        ) from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def invalid(where: str, message: str) -> ApiError:
    """A 422 for a field that is present but wrong."""
    return ApiError(422, "invalid_field", message, where)


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def text_field(
    body: Mapping[str, Any], name: str, *, required: bool = True, max_length: int = 200
) -> str | None:
    """A string field (None when absent and not required)."""
    where = f"body.{name}"
    if name not in body or body[name] is None:
        if required:
            raise invalid(where, f"'{name}' is required")
        return None
    value = body[name]
    if not isinstance(value, str):
        raise invalid(where, f"'{name}' must be a string, not {json_type(value)}")
    if len(value) > max_length:
        raise invalid(where, f"'{name}' is longer than {max_length} characters")
    return value


def object_field(body: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """An optional JSON object field."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid(f"body.{name}", f"'{name}' must be an object, not {json_type(value)}")
    return value


def string_list(value: Any, where: str, *, max_items: int = 50) -> list[str]:
    """A JSON array of strings."""
    if not isinstance(value, list):
        raise invalid(where, f"must be an array of strings, not {json_type(value)}")
    if len(value) > max_items:
        raise invalid(where, f"at most {max_items} entries")
    for index, entry in enumerate(value):
        if not isinstance(entry, str):
            raise invalid(f"{where}[{index}]", f"must be a string, not {json_type(entry)}")
    return list(value)


def query_int(name: str, default: int, *, minimum: int, maximum: int) -> int:
    """An integer query argument within bounds."""
    raw = request.args.get(name)
    if raw is None:
        return default
    where = f"query.{name}"
    if not raw.strip().lstrip("-").isdigit() or len(raw) > 12:
        raise invalid(where, f"'{name}' must be a whole number")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise invalid(where, f"'{name}' must be between {minimum} and {maximum}")
    return value


def page_args(default_size: int = 20, max_size: int = 100) -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` of a list request."""
    page = query_int("page", 1, minimum=1, maximum=1_000_000)
    return page, query_int("per_page", default_size, minimum=1, maximum=max_size)
