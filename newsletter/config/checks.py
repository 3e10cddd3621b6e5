"""Judging settings: every problem named by its variable, with what to set."""

from __future__ import annotations

import dataclasses
import re
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsletter.config.settings import PREFIX, Settings

_LISTEN = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):\d{1,5}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_settings(settings: Settings, provided: set[str] | None = None) -> list[str]:
    """Return every problem with ``settings``; empty when they are usable.

    ``provided`` names the settings given explicitly; in production the required ones must be.
    """
    problems: list[str] = []
    help_of = {spec.name: spec.metadata["help"] for spec in dataclasses.fields(Settings)}

    def complain(name: str, message: str) -> None:
        problems.append(f"{PREFIX}{name.upper()}: {message}; {help_of[name]}")

    if settings.is_production:
        for spec in dataclasses.fields(Settings):
            if spec.metadata["required"] and provided is not None and spec.name not in provided:
                complain(spec.name, "is required in production and not set")
        if settings.base_url and not settings.base_url.startswith("https://"):
            complain("base_url", "must start with https:// in production")
    if settings.secret_key and len(settings.secret_key) < 32:
        complain("secret_key", "is too short (fewer than 32 characters)")
    _check_url(settings.base_url, "base_url", complain)
    if settings.sender and not _EMAIL.match(settings.sender_address):
        complain("sender", f"has no valid address in {settings.sender!r}")
    if settings.reply_to and not _EMAIL.match(parseaddr(settings.reply_to)[1]):
        complain("reply_to", f"is not an email address: {settings.reply_to!r}")
    if settings.database_url and "://" not in settings.database_url:
        complain("database_url", f"is not a database URL: {settings.database_url!r}")
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        complain("timezone", f"is not a known IANA time zone: {settings.timezone!r}")
    _check_sending(settings, complain)
    _check_tracking(settings, complain)
    return problems


def _check_sending(settings: Settings, complain: Any) -> None:
    # What each transport needs is said once, next to the transports.
    from newsletter.delivery.transports.factory import missing_transport_settings

    for name, why in missing_transport_settings(settings):
        complain(name, why)
    if settings.executor == "celery" and not settings.redis_url:
        complain("redis_url", "is required when NEWSLETTER_EXECUTOR=celery")
    for name in (
        "sender_threads",
        "batch_size",
        "send_max_attempts",
        "smtp_pool_size",
        "reputation_window_hours",
        "reputation_min_volume",
    ):
        if getattr(settings, name) < 1:
            complain(name, "must be at least 1")
    for name in ("failure_pause_rate", "bounce_alarm_rate", "complaint_alarm_rate"):
        if not 0 < getattr(settings, name) <= 1:
            complain(name, "must be a fraction between 0 and 1")
    if settings.metrics_worker_listen and not _LISTEN.match(settings.metrics_worker_listen):
        complain("metrics_worker_listen", f"is not host:port: {settings.metrics_worker_listen!r}")
    if settings.send_lease_seconds < 30:
        complain("send_lease_seconds", "must be at least 30 seconds")
    if settings.metrics_rollup_seconds < 1:
        complain("metrics_rollup_seconds", "must be at least 1 second")
    if settings.reputation_rearm_minutes < 0:
        complain("reputation_rearm_minutes", "must not be negative")
    if settings.redis_url and not settings.redis_url.startswith(("redis://", "rediss://")):
        complain("redis_url", f"must start with redis:// or rediss://, got {settings.redis_url!r}")
    if settings.confirmation_resend_minutes < 0:
        complain("confirmation_resend_minutes", "must be 0 or more")
    _check_rate_limits(settings, complain)


def _check_rate_limits(settings: Settings, complain: Any) -> None:
    from limits import parse_many

    for name in (
        "signup_limit_per_ip",
        "signup_limit_per_address",
        "login_limit_per_ip",
        "login_limit_per_account",
    ):
        try:
            parse_many(getattr(settings, name))
        except ValueError:
            complain(name, f"is not a rate limit like '10 per hour': {getattr(settings, name)!r}")


def _check_tracking(settings: Settings, complain: Any) -> None:
    for name in ("tracking_buffer_size", "soft_bounce_limit", "sns_retention_days"):
        if getattr(settings, name) < 1:
            complain(name, "must be at least 1")
    for name in (
        "tracking_flush_seconds",
        "machine_open_seconds",
        "machine_click_seconds",
        "sns_cert_timeout_seconds",
        "sns_max_age_hours",
    ):
        if getattr(settings, name) <= 0:
            complain(name, "must be a positive number")
    if settings.sns_cert_cache_seconds < 0:
        complain("sns_cert_cache_seconds", "must be 0 (no cache) or more")
    if settings.sns_max_age_hours > settings.sns_retention_days * 24:
        complain(
            "sns_max_age_hours",
            "must not exceed NEWSLETTER_SNS_RETENTION_DAYS, or replays slip through",
        )
    for arn in settings.sns_topic_arns:
        if not arn.startswith("arn:aws") or arn.count(":") != 5:
            complain("sns_topic_arns", f"is not an SNS topic ARN: {arn!r}")
    if settings.sns_endpoint_url:
        _check_endpoint(settings.sns_endpoint_url, "sns_endpoint_url", complain)


def _check_endpoint(url: str, name: str, complain: Any) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        complain(name, f"is not an http(s) URL: {url!r}")


def _check_url(url: str, name: str, complain: Any) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        complain(name, f"is not an http(s) URL: {url!r}")
    elif parts.path not in {"", "/"} or parts.query or parts.fragment:
        complain(name, f"must be scheme and host only (no path or query), got {url!r}")
