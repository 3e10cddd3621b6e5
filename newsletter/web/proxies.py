"""Trusting the reverse proxies in front of the app (``NEWSLETTER_TRUSTED_PROXIES``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

SCHEMES = frozenset({"http", "https"})


class ForwardedHeaders(ProxyFix):
    """Werkzeug's ProxyFix for client address, scheme and host, with the scheme checked.

    ProxyFix copies X-Forwarded-Proto into the request's scheme as it is; a value that is not
    http or https (``A://[``) made every URL the app builds unparseable and the page a 500.
    Such a header is dropped, so the request keeps the scheme it arrived with.
    """

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Drop a malformed X-Forwarded-Proto, then apply the trusted headers."""
        proto = environ.get("HTTP_X_FORWARDED_PROTO")
        if proto is not None and not {part.strip().lower() for part in proto.split(",")} <= SCHEMES:
            del environ["HTTP_X_FORWARDED_PROTO"]
        return super().__call__(environ, start_response)
