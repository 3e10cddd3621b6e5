"""Every setting, its default, help text and secrecy: one field of :class:`Settings` each."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any, Literal

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
