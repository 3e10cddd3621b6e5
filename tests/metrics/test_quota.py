"""The SES quota panel: GetAccount when readable (cached), configured limits otherwise."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from flask import Flask
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.delivery.transports.ses_account import CachedAccount, sesv2_reader
from newsletter.metrics.quota import quota_panel
from newsletter.models import DeliveryState
from newsletter.models.base import utcnow
from tests.factories import make_campaign, make_delivery

ACCOUNT = {
    "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 1234.0},
    "EnforcementStatus": "HEALTHY",
    "SendingEnabled": True,
    "ProductionAccessEnabled": True,
}


@pytest.fixture
def ses_client() -> Any:
    return boto3.client(
        "sesv2", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


def settings_of(app: Flask) -> Settings:
    found: Settings = app.config["NEWSLETTER"]
    return found


def sent_rows(session: Session, count: int, ago: dt.timedelta) -> None:
    campaign = make_campaign(session)
    for _ in range(count):
        make_delivery(session, campaign, state=DeliveryState.SENT, sent_at=utcnow() - ago)
    session.commit()


def test_the_panel_shows_ses_figures_beside_our_ledger(
    app: Flask, session: Session, ses_client: Any
) -> None:
    sent_rows(session, 3, dt.timedelta(hours=2))
    sent_rows(session, 2, dt.timedelta(hours=30))  # outside the 24 hours
    with Stubber(ses_client) as stub:
        stub.add_response("get_account", ACCOUNT)
        panel = quota_panel(session, settings_of(app), CachedAccount(sesv2_reader(ses_client)))
    assert panel.source == "ses"
    assert (panel.max_24h, panel.sent_24h_ses, panel.max_rate) == (50000.0, 1234.0, 14.0)
    assert panel.sent_24h_ledger == 3
    assert panel.used == pytest.approx(1234 / 50000)
    assert panel.enforcement == "HEALTHY"


def test_the_account_is_read_once_a_minute(ses_client: Any) -> None:
    clock = [100.0]
    account = CachedAccount(sesv2_reader(ses_client), clock=lambda: clock[0])
    with Stubber(ses_client) as stub:
        stub.add_response("get_account", ACCOUNT)
        stub.add_response("get_account", ACCOUNT | {"EnforcementStatus": "PROBATION"})
        assert account.get()[0].enforcement == "HEALTHY"  # type: ignore[union-attr]
        clock[0] += 30
        assert account.get()[0].enforcement == "HEALTHY"  # type: ignore[union-attr]
        clock[0] += 31
        assert account.get()[0].enforcement == "PROBATION"  # type: ignore[union-attr]


def test_when_ses_cannot_be_read_the_configured_limits_are_shown(
    app: Flask, session: Session, ses_client: Any
) -> None:
    sent_rows(session, 2, dt.timedelta(minutes=10))
    with Stubber(ses_client) as stub:
        stub.add_client_error("get_account", "AccessDeniedException", "not allowed")
        panel = quota_panel(session, settings_of(app), CachedAccount(sesv2_reader(ses_client)))
    assert panel.source == "configured"
    assert panel.problem.startswith("ClientError")
    assert panel.max_24h is None  # NEWSLETTER_MAX_24H_SEND=0: unlimited
    assert panel.max_rate == 14.0
    assert panel.sent_24h_ledger == 2


def test_the_outbox_transport_reads_no_account(app: Flask, session: Session) -> None:
    panel = quota_panel(session, settings_of(app), CachedAccount(None))
    assert (panel.source, panel.problem) == ("configured", "not using SES")


def test_the_current_rate_counts_the_last_minute(app: Flask, session: Session) -> None:
    sent_rows(session, 6, dt.timedelta(seconds=20))
    panel = quota_panel(session, settings_of(app), CachedAccount(None))
    assert panel.current_rate == pytest.approx(6 / 60)
