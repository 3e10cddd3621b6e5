"""send_batch through the SES transport to moto's server over real HTTP: every reader's raw
message reaches SES once, tagged so that SES's events find the row again."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import requests
from flask import Flask
from sqlalchemy.orm import Session

from newsletter.delivery.process import sender_process
from newsletter.models import DeliveryState
from tests.delivery.sending import numbered_readers, rows_of, send_all, started_campaign


@pytest.fixture
def app_config(app_config: dict[str, Any], moto: str) -> dict[str, Any]:
    return {**app_config, "transport": "ses", "ses_endpoint_url": moto, "max_send_rate": 100}


def test_each_reader_gets_one_raw_message_through_ses(
    app: Flask, session: Session, moto: str
) -> None:
    client = boto3.client("sesv2", region_name="us-east-1", endpoint_url=moto)
    client.create_email_identity(EmailIdentity="news.example.org")
    campaign = started_campaign(session, numbered_readers(5, ["capital"]))
    send_all(campaign.id)
    stored = requests.get(f"{moto}/moto-api/data.json", timeout=5).json()["ses"]["RawMessage"]
    rows = rows_of(session, campaign.id)
    assert {row.state for row in rows} == {DeliveryState.SENT}
    assert sorted(m["id"] for m in stored) == sorted(str(row.transport_message_id) for row in rows)
    # moto lists a message's recipient once from the envelope and once from To:
    recipients = sorted(address for m in stored for address in set(m["destinations"]))
    assert recipients == sorted(f"reader{n}@example.org" for n in range(5))
    assert sender_process(app).transport().name == "ses"
