"""``GET|HEAD /t/o/<token>.gif``: the open pixel, answered before Flask.

The pixel is the most frequent request the system gets (one per reader per reading, plus
every privacy proxy and scanner) and needs nothing Flask provides: no session, no template,
no database. Answering it as plain WSGI costs about a tenth of a Flask request (context
push, session and login hooks, after-request headers), which is what lets one small machine
answer thousands a second. Every other path goes on to Flask untouched.

The answer never depends on the token: always the same 1x1 GIF, never cached, so a bad or
foreign token learns nothing; the tracker records an open only for a genuine token.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from newsletter.tracking.recorder import Tracker
from newsletter.web.security import CONTENT_SECURITY_POLICY

PREFIX = "/t/o/"
# A transparent 1x1 GIF (42 bytes).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = "no-store, no-cache, must-revalidate, private, max-age=0"
HEADERS = [
    ("Content-Type", "image/gif"),
    ("Content-Length", str(len(PIXEL))),
    ("Cache-Control", NO_STORE),
    ("Pragma", "no-cache"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
]


def pixel_token(path: str) -> str | None:
    """The token of a well-formed pixel path (``/t/o/<token>.gif``), else None."""
    rest = path[len(PREFIX) :]
    if not rest.endswith(".gif") or "/" in rest:
        return None
    return rest[:-4]


class PixelEndpoint:
    """WSGI middleware serving the pixel and passing everything else to ``wrapped``."""

    def __init__(self, wrapped: Any, tracker: Tracker) -> None:
        self.wrapped = wrapped
        self.tracker = tracker

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        method: str = environ.get("REQUEST_METHOD", "GET")
        if not path.startswith(PREFIX) or method not in ("GET", "HEAD"):
            return self.wrapped(environ, start_response)  # type: ignore[no-any-return]
        token = pixel_token(path)
        if token:
            self.tracker.open(
                token,
                ip=environ.get("REMOTE_ADDR"),
                user_agent=environ.get("HTTP_USER_AGENT"),
                method=method,
            )
        start_response("200 OK", list(HEADERS))
        return [] if method == "HEAD" else [PIXEL]
