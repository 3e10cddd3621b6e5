"""Redirect targets taken from requests: only paths on this site are followed."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, fallback: str) -> str:
    """Return ``target`` when it is a local path, else ``fallback``.

    Refuses absolute URLs, scheme-relative ``//host`` forms, backslash tricks browsers treat
    as ``//`` and anything with control characters, so login cannot become an open redirect.
    """
    if not target or len(target) > 2000:
        return fallback
    if any(ord(char) < 32 for char in target) or "\\" in target:
        return fallback
    try:
        parts = urlsplit(target)
    except ValueError:  # "//[" or "http://[::1": an unclosed IPv6 host
        return fallback
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
