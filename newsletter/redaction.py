"""Keeping secrets and readers' tokens out of every log line the process writes.

Log records are cleaned when they are made, for every logger (the app's, libraries', and
gunicorn's access log alike): the configured secrets (secret keys, SMTP password, metrics
token, passwords inside database and Redis URLs) become ``[secret]``; the token in a reader
link (``/p/…``, ``/u/…``, ``/confirm/…``, ``/t/c/…``, ``/t/o/…``), in a ``Token=`` or
``password=`` query parameter, after ``Bearer``, and any JSON API token become ``[token]``.
A request line or an error message may carry any of them, and whoever reads the logs must
not be able to open a reader's preferences, call the API or sign as the app.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from newsletter.config import Settings

SECRET = "[secret]"  # noqa: S105 (the placeholder, not a secret)
TOKEN = "[token]"  # noqa: S105

# Shorter values are not masked: replacing a two-letter "password" everywhere would garble
# logs, and production settings refuse weak secret keys anyway.
MIN_SECRET_LENGTH = 6

_PATTERNS = (
    # Reader links: the token is the path segment after the route's prefix.
    re.compile(r"(/(?:p|u|confirm|t/c|t/o)/)[A-Za-z0-9_=-]{6,}"),
    # Query parameters and headers that carry credentials (SNS's SubscribeURL has Token=).
    re.compile(r"((?:token|password|passwd|secret|signature|api_key)=)[^&\s\"'<>]+", re.IGNORECASE),
    re.compile(r"(Bearer\s+)[^\s\"']+", re.IGNORECASE),
    # JSON API tokens (newsletter.api.tokens.TOKEN_PREFIX), wherever they appear.
    re.compile(r"(\b)nl_[A-Za-z0-9_-]{16,}"),
)
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+(@)", re.IGNORECASE)

_secrets: set[str] = set()


def secrets_of(settings: Settings) -> set[str]:
    """The secret values in ``settings`` that must never be logged."""
    found: set[str] = set()
    for name in ("secret_key", "smtp_password", "metrics_token"):
        found.add(getattr(settings, name))
    found.update(settings.secret_key_fallbacks)
    for url in (settings.database_url, settings.redis_url):
        password = _password_in(url)
        if password:
            found.add(password)
    return {value for value in found if len(value) >= MIN_SECRET_LENGTH}


def _password_in(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with secrets, tokens and URL passwords replaced by placeholders."""
    # Longest first, so a secret that contains another is masked whole.
    for value in sorted(_secrets if secrets is None else secrets, key=len, reverse=True):
        if value in text:
            text = text.replace(value, SECRET)
    text = _URL_PASSWORD.sub(rf"\1{SECRET}\2", text)
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\1{TOKEN}", text)
    return text


def install(settings: Settings) -> None:
    """Mask ``settings``' secrets in every log record from now on (safe to call again)."""
    _secrets.update(secrets_of(settings))
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "redacts", False):
        return

    def make_clean_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        _clean(record)
        return record

    make_clean_record.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_clean_record)


def _clean(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call; logging reports it when the record is written
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[1] is not None:
        # Formatted once here, cleaned, and kept: handlers reuse exc_text as it is.
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
