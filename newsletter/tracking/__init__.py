"""Tracking: the open pixel, click redirect, SNS webhook, SES events and honest figures.

Public entry points for other features:

- :func:`newsletter.tracking.metrics.campaign_engagement` and friends: unique human and
  machine figures of a campaign (the dashboard);
- :func:`newsletter.tracking.recorder.tracker`: the app's tracker (flush in tests);
- :func:`newsletter.tracking.ses.events.handle_record`: apply one SES event record.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from newsletter.context import current_signer
from newsletter.extensions import csrf
from newsletter.runtime import register_service
from newsletter.tracking.pixel import PixelEndpoint
from newsletter.tracking.recorder import EXTENSION_KEY, Tracker
from newsletter.tracking.ses.aws import EXTENSION_KEY as AWS_KEY
from newsletter.tracking.ses.aws import AwsClients
from newsletter.tracking.sns.certificates import CertificateStore, https_fetcher
from newsletter.tracking.sns.webhook import CERTIFICATES_KEY


def init_app(app: Flask) -> None:
    """Register the endpoints, the tracker, AWS clients and the SNS inbox service."""
    from newsletter.tracking import views
    from newsletter.tracking.ses import admin
    from newsletter.tracking.sns import service, webhook

    settings = app.config["NEWSLETTER"]
    with app.app_context():
        signer = current_signer()
    # Tests write buffered hits by calling flush(); elsewhere a thread writes them.
    tracker = Tracker(settings, signer, autostart=not app.testing)
    app.extensions[EXTENSION_KEY] = tracker
    _serve_pixel_before_flask(app, tracker)
    app.extensions[AWS_KEY] = AwsClients(settings)
    app.extensions[CERTIFICATES_KEY] = CertificateStore(
        https_fetcher(settings.sns_cert_timeout_seconds), settings.sns_cert_cache_seconds
    )
    app.register_blueprint(views.bp)
    app.register_blueprint(webhook.bp)
    app.register_blueprint(admin.bp)
    # SNS posts without cookies or CSRF tokens; its messages are authenticated by signature.
    csrf.exempt(webhook.receive)
    register_service(app, service.services)


def _serve_pixel_before_flask(app: Flask, tracker: Tracker) -> None:
    # Inside ProxyFix when there is one, so the pixel sees the reader's address too.
    outer = app.wsgi_app
    if isinstance(outer, ProxyFix):
        outer.app = PixelEndpoint(outer.app, tracker)
    else:
        app.wsgi_app = PixelEndpoint(outer, tracker)  # type: ignore[method-assign]
