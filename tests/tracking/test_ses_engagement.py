"""SES's own opens and clicks, merged with ours so each reader counts once."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import (
    EventType,
    SnsMessage,
)
from newsletter.tracking.metrics import campaign_engagement
from tests.tracking.conftest import Sns
from tests.tracking.helpers import (
    SentCampaign,
    events_of,
    flush,
    make_sent_campaign,
    ses_record,
)

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0"}


def test_ses_opens_and_ours_count_a_reader_once(
    app: Flask, client: FlaskClient, sns: Sns, session: Session, sent: SentCampaign
) -> None:
    client.get(f"/t/o/{sent.token(0)}.gif", headers=BROWSER)
    flush(app)
    sns.deliver(
        ses_record(
            "Open",
            sent.deliveries[0],
            {"ipAddress": "198.51.100.4", "userAgent": BROWSER["User-Agent"]},
        )
    )
    sns.deliver(
        ses_record(
            "Open", sent.deliveries[1], {"ipAddress": "17.1.2.3", "userAgent": "Mozilla/5.0"}
        )
    )
    sources = sorted(e.source.value for e in events_of(session, EventType.OPEN))
    assert sources == ["ses", "ses", "tracking"]
    figures = campaign_engagement(session, sent.campaign.id)
    assert (figures.opened, figures.machine_opened_only) == (1, 1)


def test_an_ses_click_on_our_wrapped_link_is_attributed_to_that_link(
    sns: Sns, session: Session, sent: SentCampaign
) -> None:
    link = f"https://news.example.org/t/c/{sent.token(0)}/2"
    sns.deliver(
        ses_record(
            "Click",
            sent.deliveries[0],
            {"ipAddress": "198.51.100.4", "userAgent": BROWSER["User-Agent"], "link": link},
        )
    )
    sns.deliver(
        ses_record(
            "Click",
            sent.deliveries[1],
            {
                "ipAddress": "198.51.100.5",
                "userAgent": BROWSER["User-Agent"],
                "link": "https://example.com/c",
            },
        )
    )
    clicks = events_of(session, EventType.CLICK)
    assert [c.link_id for c in clicks] == [sent.links[1].id, sent.links[2].id]
    assert campaign_engagement(session, sent.campaign.id).clicked == 2


@pytest.mark.parametrize("settings_overrides", [{"tracking": False}])
def test_ses_opens_are_ignored_when_tracking_is_off(
    sns: Sns, session: Session, settings_overrides: dict[str, Any]
) -> None:
    sent = make_sent_campaign(session, readers=1)
    sns.deliver(
        ses_record("Open", sent.deliveries[0], {"ipAddress": "198.51.100.4", "userAgent": "x"})
    )
    assert events_of(session, EventType.OPEN) == []
    assert session.scalars(select(SnsMessage)).one().error is None


def test_ses_opens_respect_the_campaigns_switch(sns: Sns, session: Session) -> None:
    sent = make_sent_campaign(session, readers=1, track_opens=False)
    sns.deliver(
        ses_record("Open", sent.deliveries[0], {"ipAddress": "198.51.100.4", "userAgent": "x"})
    )
    assert events_of(session, EventType.OPEN) == []
