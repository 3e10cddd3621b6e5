"""Building the configured transport, and the sending limits the pacer honours.

Which transport is used is configuration (``NEWSLETTER_TRANSPORT``); everything that sends
(the delivery engine, readers' system emails, operators' alarms) gets it from here, so a
configuration that cannot work fails the same way, naming the variable to set, everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsletter.config import PREFIX, ConfigError, Settings
from newsletter.delivery.transports.base import Transport
from newsletter.delivery.transports.outbox import OutboxTransport
from newsletter.delivery.transports.ses_account import (
    DEFAULT_SEND_RATE,
    CachedAccount,
    reader_for,
)


@dataclass(frozen=True)
class SendLimits:
    """How fast and how much may be sent, and where the figures came from."""

    max_send_rate: float  # messages per second
    max_24h: float | None  # None: unlimited
    sent_24h: float | None  # None: unknown (SES not read)
    source: str  # "ses" or "configured"


def missing_transport_settings(settings: Settings) -> list[tuple[str, str]]:
    """What keeps the configured transport from working, as (setting name, what is wrong);
    empty when it can be built. Start-up checks and :func:`build_transport` both use it."""
    missing: list[tuple[str, str]] = []
    if not settings.sender_address:
        missing.append(("sender", "has no address; every transport needs one"))
    if settings.transport == "ses" and not settings.ses_region:
        missing.append(("ses_region", f"is required when {PREFIX}TRANSPORT=ses (e.g. eu-west-1)"))
    if settings.transport == "smtp":
        if not settings.smtp_host:
            missing.append(("smtp_host", f"is required when {PREFIX}TRANSPORT=smtp"))
        if settings.smtp_username and not settings.smtp_password:
            missing.append(("smtp_password", f"is required when {PREFIX}SMTP_USERNAME is set"))
        if settings.smtp_password and not settings.smtp_username:
            missing.append(("smtp_username", f"is required when {PREFIX}SMTP_PASSWORD is set"))
    if settings.transport == "outbox" and not settings.outbox_dir:
        missing.append(("outbox_dir", f"is required when {PREFIX}TRANSPORT=outbox"))
    return missing


def build_transport(settings: Settings) -> Transport:
    """The transport ``settings`` ask for; :class:`ConfigError` when it is not usable."""
    missing = missing_transport_settings(settings)
    if missing:
        raise ConfigError([f"{PREFIX}{name.upper()}: {why}" for name, why in missing])
    if settings.transport == "ses":
        from newsletter.delivery.transports.ses import SesTransport

        return SesTransport(settings)
    if settings.transport == "smtp":
        from newsletter.delivery.transports.smtp import SmtpTransport

        return SmtpTransport.from_settings(settings)
    return OutboxTransport(settings.outbox_dir)


def read_send_limits(settings: Settings, account: CachedAccount | None = None) -> SendLimits:
    """SES GetAccount's limits when sending through SES and it answers, else the configured.

    A configured rate or daily maximum lower than SES's is kept: it is the operator's choice
    to send more slowly than the account allows.
    """
    found, _problem = (account or CachedAccount(reader_for(settings))).get()
    configured_rate = settings.max_send_rate or None
    configured_24h = float(settings.max_24h_send) or None
    if found is None:
        return SendLimits(configured_rate or DEFAULT_SEND_RATE, configured_24h, None, "configured")
    ses_24h = None if found.max_24h < 0 else found.max_24h
    return SendLimits(
        max_send_rate=_lowest(configured_rate, found.max_rate) or DEFAULT_SEND_RATE,
        max_24h=_lowest(configured_24h, ses_24h),
        sent_24h=found.sent_24h,
        source="ses",
    )


def _lowest(*limits: float | None) -> float | None:
    known = [limit for limit in limits if limit]
    return min(known) if known else None
