"""Delivery: campaigns, the delivery ledger, pacing, executors and transports."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the scheduler service and the operators' Sending pages."""
    from newsletter.delivery.scheduler import scheduler_services
    from newsletter.delivery.sending_views import bp
    from newsletter.runtime import register_service

    register_service(app, scheduler_services)
    app.register_blueprint(bp)
