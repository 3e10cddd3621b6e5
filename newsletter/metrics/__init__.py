"""Metrics: roll-ups, the operators' dashboard, the reputation guard, SES quota, /metrics."""

from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from newsletter.delivery.transports.ses_account import CachedAccount, reader_for
from newsletter.extensions import db
from newsletter.metrics.exporter import exporter_services
from newsletter.metrics.prometheus import EXTENSION_KEY, AppMetrics
from newsletter.metrics.service import metrics_services
from newsletter.models import Role
from newsletter.runtime import register_service


def init_app(app: Flask) -> None:
    """Register the dashboard, /metrics, the staff alarm banner and the per-app registry."""
    from newsletter.metrics import metrics_endpoint, views

    settings = app.config["NEWSLETTER"]
    app.extensions[EXTENSION_KEY] = AppMetrics(db)
    app.extensions[views.ACCOUNT_KEY] = CachedAccount(reader_for(settings))
    app.register_blueprint(views.bp)
    app.register_blueprint(metrics_endpoint.bp)
    app.context_processor(_alarm_banner)
    register_service(app, exporter_services)
    register_service(app, metrics_services)


def _alarm_banner() -> dict[str, Any]:
    """Open reputation alarms, for the banner on every staff page."""
    if not current_user.is_authenticated:
        return {}
    if not current_user.has_role(Role.OPERATOR, Role.EDITOR):
        return {}
    from newsletter.metrics.guard import open_alarms

    try:
        alarms = open_alarms(db.session)
    except SQLAlchemyError:  # a page must render even when this look-up cannot
        db.session.rollback()
        return {}
    review = None
    if alarms and current_user.has_role(Role.OPERATOR):
        review = url_for("dashboard.overview", _anchor="alarms")
    return {"reputation_alarms": alarms, "alarm_review_url": review}
