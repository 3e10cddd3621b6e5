"""Building the configured transport, and the sending limits: SES GetAccount or configured."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from newsletter.config import ConfigError, Settings, check_settings
from newsletter.delivery.transports.factory import build_transport, read_send_limits
from newsletter.delivery.transports.outbox import OutboxTransport
from newsletter.delivery.transports.ses import SesTransport
from newsletter.delivery.transports.ses_account import CachedAccount, sesv2_reader
from newsletter.delivery.transports.smtp import SmtpTransport

ACCOUNT = {
    "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 1234.0},
    "SendingEnabled": True,
}


def test_each_transport_setting_builds_its_transport(tmp_path: Path) -> None:
    assert isinstance(build_transport(Settings(outbox_dir=str(tmp_path))), OutboxTransport)
    assert isinstance(build_transport(Settings(transport="ses")), SesTransport)
    smtp = build_transport(Settings(transport="smtp", smtp_host="smtp.example.org"))
    assert isinstance(smtp, SmtpTransport)
    assert (smtp.host, smtp.port, smtp.security) == ("smtp.example.org", 587, "starttls")


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        (Settings(transport="smtp"), "NEWSLETTER_SMTP_HOST"),
        (Settings(transport="smtp", smtp_host="h", smtp_username="u"), "NEWSLETTER_SMTP_PASSWORD"),
        (Settings(transport="smtp", smtp_host="h", smtp_password="p"), "NEWSLETTER_SMTP_USERNAME"),
        (Settings(transport="ses", ses_region=""), "NEWSLETTER_SES_REGION"),
        (Settings(transport="ses", sender=""), "NEWSLETTER_SENDER"),
        (Settings(transport="outbox", outbox_dir=""), "NEWSLETTER_OUTBOX_DIR"),
    ],
)
def test_an_incomplete_configuration_names_the_variable_to_set(
    settings: Settings, named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        build_transport(settings)


def test_start_up_refuses_a_transport_configuration_that_cannot_work() -> None:
    problems = check_settings(Settings(transport="smtp", smtp_host="h", smtp_username="u"))
    assert [p for p in problems if p.startswith("NEWSLETTER_SMTP_PASSWORD: is required when")]
    assert check_settings(Settings(transport="smtp", smtp_host="h")) == []


def stubbed_account(answer: dict[str, object] | None) -> CachedAccount:
    client = boto3.client(
        "sesv2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)
    if answer is None:
        stubber.add_client_error("get_account", "AccessDeniedException", http_status_code=403)
    else:
        stubber.add_response("get_account", answer)
    stubber.activate()
    return CachedAccount(sesv2_reader(client))


def test_limits_come_from_ses_when_it_answers() -> None:
    limits = read_send_limits(Settings(transport="ses"), stubbed_account(ACCOUNT))
    assert (limits.max_send_rate, limits.max_24h, limits.sent_24h) == (14.0, 50000.0, 1234.0)
    assert limits.source == "ses"


def test_configured_limits_lower_than_the_account_are_kept() -> None:
    settings = Settings(transport="ses", max_send_rate=5, max_24h_send=1000)
    limits = read_send_limits(settings, stubbed_account(ACCOUNT))
    assert (limits.max_send_rate, limits.max_24h, limits.source) == (5.0, 1000.0, "ses")


def test_an_unlimited_account_has_no_daily_maximum() -> None:
    unlimited = {"SendQuota": {"Max24HourSend": -1.0, "MaxSendRate": 200.0}}
    limits = read_send_limits(Settings(transport="ses"), stubbed_account(unlimited))
    assert (limits.max_send_rate, limits.max_24h) == (200.0, None)


def test_the_configured_limits_apply_when_ses_does_not_answer() -> None:
    settings = Settings(transport="ses", max_send_rate=20, max_24h_send=0)
    limits = read_send_limits(settings, stubbed_account(None))
    assert (limits.max_send_rate, limits.max_24h, limits.sent_24h) == (20.0, None, None)
    assert limits.source == "configured"


def test_other_transports_use_the_configured_rate_or_ses_default() -> None:
    assert read_send_limits(Settings(transport="smtp")).max_send_rate == 14.0
    limits = read_send_limits(Settings(transport="smtp", max_send_rate=3, max_24h_send=500))
    assert (limits.max_send_rate, limits.max_24h, limits.source) == (3.0, 500.0, "configured")
