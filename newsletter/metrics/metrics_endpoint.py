"""``/metrics`` for Prometheus, protected by a bearer token or served to loopback only.

With ``NEWSLETTER_METRICS_TOKEN`` set, a scrape must send ``Authorization: Bearer <token>``.
Without it, only clients on the loopback interface are answered, and never a request that
came through a proxy (it carries X-Forwarded-For or Forwarded), since a proxy on the same
machine would otherwise make every visitor look local.
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from newsletter.metrics.prometheus import EXTENSION_KEY, AppMetrics

bp = Blueprint("prometheus", __name__)


@bp.route("/metrics")
def metrics() -> Response:
    """The Prometheus text exposition of this app's registry."""
    refusal = _refusal()
    if refusal is not None:
        return refusal
    app_metrics: AppMetrics = current_app.extensions[EXTENSION_KEY]
    body = generate_latest(app_metrics.registry)
    return Response(body, mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def _refusal() -> Response | None:
    """Why this request may not scrape, as the response to give; None when it may."""
    token: str = current_app.config["NEWSLETTER"].metrics_token
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode()):
            return None
        return Response(
            "a bearer token is required\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
            mimetype="text/plain",
        )
    proxied = request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded")
    if proxied or not _is_loopback(request.remote_addr):
        return Response(
            "metrics are served to loopback clients only (set NEWSLETTER_METRICS_TOKEN)\n",
            403,
            mimetype="text/plain",
        )
    return None


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False
