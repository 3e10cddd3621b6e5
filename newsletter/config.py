"""Configuration: ``NEWSLETTER_*`` environment variables over documented defaults.

Every setting is one field of :class:`Settings` with its help text, so ``.env.example``,
``newsletter check-config`` and the start-up checks all come from this one place. Outside
development a missing or malformed setting stops start-up with a message that names the
variable and says what to set.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PREFIX = "NEWSLETTER_"
SECRET_MASK = "********"  # noqa: S105 (what is shown instead of a secret)
# The password in a URL's user info: scheme://user:PASSWORD@host (database, Redis).
_URL_PASSWORD = re.compile(r"^([a-z][a-z0-9+.-]*://[^:/@]*:)[^@/]*(@)", re.IGNORECASE)

Environment = Literal["development", "test", "production"]


class ConfigError(RuntimeError):
    """One or more settings are missing or malformed; ``problems`` says which and why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"the configuration is not usable:\n{lines}")


def setting(
    default: Any,
    help: str,
    *,
    secret: bool = False,
    required_in_production: bool = False,
) -> Any:
    """Declare a setting field with its help text and how it is checked."""
    metadata = {"help": help, "secret": secret, "required": required_in_production}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """The effective configuration of one process."""

    env: Environment = setting("development", "development, test or production.")
    secret_key: str = setting(
        "",
        "Signs sessions, CSRF tokens and readers' links; 32+ random characters. "
        "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'.",
        secret=True,
        required_in_production=True,
    )
    secret_key_fallbacks: tuple[str, ...] = setting(
        (),
        "Earlier secret keys, comma-separated, still accepted for links already sent.",
        secret=True,
    )
    database_url: str = setting(
        "",
        "SQLAlchemy URL, e.g. postgresql+psycopg://user@host/newsletter. "
        "Development default: SQLite in instance/newsletter.db.",
        required_in_production=True,
    )
    base_url: str = setting(
        "http://127.0.0.1:5000",
        "Public URL of the app; readers' links point here. https:// in production.",
        required_in_production=True,
    )
    sender: str = setting(
        "AI前沿发展日报 <newsletter@example.org>",
        "From: of every email, 'Name <address>' with an address on a verified SES identity.",
        required_in_production=True,
    )
    reply_to: str = setting("", "Optional Reply-To address.")
    postal_address: str = setting(
        "示例科技有限公司，上海市浦东新区示例路 1 号，200000",
        "The sender's postal address, shown in every email's footer (anti-spam laws).",
        required_in_production=True,
    )
    list_id: str = setting("", "List-Id label; default daily.<sender domain>.")
    unsubscribe_mailbox: str = setting(
        "", "mailto: target in List-Unsubscribe; default unsubscribe@<sender domain>."
    )
    timezone: str = setting("Asia/Shanghai", "Default time zone for schedules and dates.")
    default_locale: Literal["zh_CN", "en"] = setting("zh_CN", "Language of pages and emails.")
    transport: Literal["outbox", "ses", "smtp"] = setting(
        "outbox", "Where email goes: outbox (.eml files), ses (Amazon SES v2) or smtp."
    )
    outbox_dir: str = setting("", "Folder of the outbox transport; default instance/outbox.")
    ses_region: str = setting("us-east-1", "AWS region of the SES account.")
    ses_configuration_set: str = setting(
        "newsletter", "SES configuration set that publishes events to SNS."
    )
    ses_endpoint_url: str = setting("", "Override the SES endpoint (tests, SES-compatible sinks).")
    ses_feedback_id: str = setting(
        "newsletter", "Value of the ses:feedback-id-a tag (Gmail Feedback-ID sender id)."
    )
    smtp_host: str = setting("", "SMTP relay host (for transport=smtp).")
    smtp_port: int = setting(587, "SMTP port.")
    smtp_username: str = setting("", "SMTP user name.")
    smtp_password: str = setting("", "SMTP password.", secret=True)
    smtp_security: Literal["starttls", "tls", "none"] = setting(
        "starttls", "starttls, tls (implicit TLS) or none (loopback relays only)."
    )
    smtp_pool_size: int = setting(4, "Open SMTP connections kept for reuse.")
    redis_url: str = setting(
        "", "Redis URL; enables the shared send-rate limiter, rate limits and Celery."
    )
    signup_limit_per_ip: str = setting(
        "10 per hour",
        "Signup attempts allowed from one client IP, e.g. '10 per hour; 50 per day'.",
    )
    signup_limit_per_address: str = setting(
        "3 per hour", "Signup attempts allowed for one email address, whoever sends them."
    )
    login_limit_per_ip: str = setting(
        "20 per 15 minutes", "Failed staff sign-ins allowed from one client IP before a pause."
    )
    login_limit_per_account: str = setting(
        "5 per 15 minutes", "Failed sign-ins allowed for one staff address before a pause."
    )
    confirmation_resend_minutes: int = setting(
        10,
        "Minutes before a repeated signup sends another confirmation or preference-link "
        "email to the same address.",
    )
    executor: Literal["embedded", "celery"] = setting(
        "embedded", "embedded (threads in newsletter run/worker) or celery (several machines)."
    )
    sender_threads: int = setting(
        4,
        "Sending threads per worker process; with Celery, batches of one campaign in flight "
        "at once across all workers.",
    )
    celery_queue: str = setting(
        "newsletter-send", "Celery queue of the send batches (one per deployment on a Redis)."
    )
    batch_size: int = setting(200, "Deliveries a sender claims at a time.")
    max_send_rate: float = setting(
        0.0, "Messages per second; 0 reads MaxSendRate from SES GetAccount (14 otherwise)."
    )
    max_24h_send: int = setting(
        0, "Messages per 24 hours; 0 reads Max24HourSend from SES GetAccount (unlimited otherwise)."
    )
    send_max_attempts: int = setting(
        5, "Tries of a message that keeps failing temporarily before its row is failed."
    )
    send_lease_seconds: int = setting(
        300,
        "A row claimed by a sender longer ago than this, with no outcome recorded, is marked "
        "in doubt (its worker died): never resent by itself, settled by SES or an operator.",
    )
    stale_after_hours: float = setting(
        6.0, "A campaign this many hours late after downtime is held for an operator."
    )
    failure_pause_rate: float = setting(
        0.2, "Pause a campaign when this share of its recent sends fail permanently."
    )
    tracking: bool = setting(True, "Open and click tracking (each campaign can also turn it off).")
    ip_storage: Literal["truncate", "hash", "none"] = setting(
        "truncate", "How readers' IP addresses are stored: truncate, hash or none."
    )
    sns_topic_arns: tuple[str, ...] = setting(
        (), "SNS topic ARNs whose messages the webhook accepts, comma-separated."
    )
    tracking_writes: Literal["buffered", "direct"] = setting(
        "buffered",
        "How opens and clicks are written: buffered (in batches every "
        "NEWSLETTER_TRACKING_FLUSH_SECONDS; a crashed web process loses at most that much) "
        "or direct (one transaction per request: durable, several times slower).",
    )
    tracking_flush_seconds: float = setting(
        1.0, "Seconds between two writes of buffered opens and clicks."
    )
    tracking_buffer_size: int = setting(
        100000,
        "Opens and clicks one web process holds while the database is slow or down; "
        "beyond it new ones are dropped and logged.",
    )
    machine_open_seconds: float = setting(
        10.0, "Opens this soon after delivery count as machine opens (prefetching, not reading)."
    )
    machine_click_seconds: float = setting(
        2.0, "Clicks this soon after delivery count as link-scanner clicks."
    )
    apple_relay_ranges_file: str = setting(
        "",
        "File of Apple Mail Privacy Protection relay ranges (one CIDR a line); default the "
        "file shipped in newsletter/tracking/data. Refresh: newsletter tracking "
        "refresh-apple-ranges.",
    )
    soft_bounce_limit: int = setting(
        3, "Transient bounces in a row (no delivery between) after which an address is suppressed."
    )
    sns_endpoint_url: str = setting("", "Override the SNS endpoint (tests).")
    sns_cert_timeout_seconds: float = setting(
        5.0, "Timeout for fetching an SNS signing certificate."
    )
    sns_cert_cache_seconds: int = setting(
        86400, "How long a fetched SNS signing certificate is reused."
    )
    sns_max_age_hours: float = setting(
        24.0, "SNS messages whose Timestamp is older than this are refused as replays."
    )
    sns_retention_days: int = setting(
        14, "Processed SNS messages are kept this many days; a replay within it is recognised."
    )
    bounce_alarm_rate: float = setting(0.02, "Bounce rate that pauses sending (SES reviews at 5%).")
    complaint_alarm_rate: float = setting(
        0.0005, "Complaint rate that pauses sending (SES reviews at 0.1%)."
    )
    reputation_window_hours: int = setting(
        72,
        "Length of the rolling window whose bounce and complaint rates the guard watches "
        "(SES judges a 'representative volume', not a fixed day).",
    )
    reputation_min_volume: int = setting(
        500,
        "Messages a campaign or the rolling window must have sent (delivered, for complaints) "
        "before its rates can raise an alarm; fewer make a rate noise.",
    )
    reputation_rearm_minutes: int = setting(
        60,
        "After an operator acknowledges an alarm, the same rate may raise a new one only "
        "this many minutes later, so resuming is possible while a window cools down.",
    )
    metrics_rollup_seconds: float = setting(
        30.0,
        "How often the roll-up service counts new events and the guard checks the rates; "
        "the dashboard's figures are this fresh.",
    )
    metrics_worker_listen: str = setting(
        "",
        "host:port where each `newsletter worker` process serves its own Prometheus metrics "
        "(send latency, outcomes), e.g. 127.0.0.1:9101; empty: off. No token: bind it to "
        "loopback or a private interface.",
    )
    metrics_token: str = setting(
        "", "Bearer token for /metrics; empty allows loopback clients only.", secret=True
    )
    trusted_proxies: int = setting(0, "Reverse proxies in front of the app (X-Forwarded-*).")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting("INFO", "Log level.")

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def sender_address(self) -> str:
        """The bare address of :attr:`sender`."""
        return parseaddr(self.sender)[1]

    @property
    def sender_name(self) -> str:
        """The display name of :attr:`sender`."""
        return parseaddr(self.sender)[0]

    @property
    def sender_domain(self) -> str:
        return self.sender_address.rpartition("@")[2]

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    def masked(self) -> dict[str, str]:
        """Every setting as the environment would spell it, secrets (and the passwords in
        database and Redis URLs) masked."""
        shown: dict[str, str] = {}
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            text = ",".join(value) if isinstance(value, tuple) else str(value)
            if spec.metadata["secret"] and text:
                text = SECRET_MASK
            else:
                text = _URL_PASSWORD.sub(rf"\1{SECRET_MASK}\2", text)
            shown[PREFIX + spec.name.upper()] = text
        return shown


def load_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    instance_path: Path | None = None,
) -> Settings:
    """Read settings from ``environ`` (default ``os.environ``), apply ``overrides``, check them.

    Raises :class:`ConfigError` listing every problem at once.
    """
    environ = os.environ if environ is None else environ
    hints = get_type_hints(Settings)
    values: dict[str, Any] = {}
    provided: set[str] = set()
    problems: list[str] = []
    for spec in dataclasses.fields(Settings):
        variable = PREFIX + spec.name.upper()
        if overrides and spec.name in overrides:
            values[spec.name] = overrides[spec.name]
            provided.add(spec.name)
        elif variable in environ and environ[variable].strip() != "":
            try:
                values[spec.name] = _convert(environ[variable].strip(), hints[spec.name])
                provided.add(spec.name)
            except ValueError as exc:
                problems.append(f"{variable}: {exc}; {spec.metadata['help']}")
    if problems:
        raise ConfigError(problems)
    settings = Settings(**values)
    settings = _fill_defaults(settings, environ, instance_path)
    problems = check_settings(settings, provided)
    if problems:
        raise ConfigError(problems)
    return settings


def _convert(raw: str, annotation: Any) -> Any:
    if annotation is bool:
        lowered = raw.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"expected on/off, true/false, yes/no or 1/0, got {raw!r}")
    if annotation is int or annotation is float:
        try:
            return annotation(raw)
        except ValueError:
            kind = "a whole number" if annotation is int else "a number"
            raise ValueError(f"expected {kind}, got {raw!r}") from None
    if get_origin(annotation) is Literal:
        choices = get_args(annotation)
        if raw not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {raw!r}")
        return raw
    if get_origin(annotation) in (tuple, types.GenericAlias) or annotation == tuple[str, ...]:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def _fill_defaults(
    settings: Settings, environ: Mapping[str, str], instance_path: Path | None
) -> Settings:
    """Derive the defaults that depend on other settings or on the instance folder."""
    instance = instance_path or Path.cwd() / "instance"
    changes: dict[str, Any] = {}
    if not settings.database_url and not settings.is_production:
        changes["database_url"] = f"sqlite:///{instance / 'newsletter.db'}"
    if not settings.outbox_dir:
        changes["outbox_dir"] = str(instance / "outbox")
    domain = settings.sender_domain or "localhost"
    if not settings.list_id:
        changes["list_id"] = f"daily.{domain}"
    if not settings.unsubscribe_mailbox:
        changes["unsubscribe_mailbox"] = f"unsubscribe@{domain}"
    if not settings.secret_key and settings.env == "development":
        changes["secret_key"] = _development_secret(instance)
    return dataclasses.replace(settings, **changes) if changes else settings


def _development_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so a laptop needs no setup.

    Never used outside development: production refuses to start without a real key.
    """
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


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


def env_example() -> str:
    """The text of ``.env.example``: every variable with its help and default."""
    lines = [
        "# Settings of the newsletter system. Every variable is optional in development;",
        "# production (NEWSLETTER_ENV=production) refuses to start without the ones marked",
        "# 'required in production'. Generated by `newsletter check-config --example`.",
        "",
    ]
    for spec in dataclasses.fields(Settings):
        default = spec.default
        shown = ",".join(default) if isinstance(default, tuple) else str(default)
        if isinstance(default, bool):
            shown = "on" if default else "off"
        note = " (required in production)" if spec.metadata["required"] else ""
        lines.append(f"# {spec.metadata['help']}{note}")
        value = "" if spec.metadata["secret"] else shown
        lines.append(f"# {PREFIX}{spec.name.upper()}={value}")
        lines.append("")
    return "\n".join(lines)
