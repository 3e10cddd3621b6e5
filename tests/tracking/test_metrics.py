"""The figures the dashboard reads: people and machines apart, each reader counted once."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from newsletter.models import EventType
from newsletter.subscriptions.leaving import unsubscribe
from newsletter.tracking.metrics import campaign_engagement, event_counts, link_clicks
from tests.tracking.helpers import flush, make_sent_campaign

PERSON = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Firefox/125.0"}
SCANNER = {"User-Agent": "Mozilla/5.0 (compatible; BingPreview/1.0b)"}


def test_engagement_counts_people_and_machines_apart(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=5)
    client.get(f"/t/o/{sent.token(0)}.gif", headers=PERSON)  # reads
    client.get(f"/t/o/{sent.token(0)}.gif", headers=PERSON)  # reads again
    client.get(
        f"/t/o/{sent.token(1)}.gif", headers=PERSON, environ_base={"REMOTE_ADDR": "17.5.5.5"}
    )
    client.get(f"/t/c/{sent.token(2)}/1", headers=PERSON)  # clicks without loading images
    client.get(f"/t/c/{sent.token(3)}/1", headers=SCANNER)
    client.head(f"/t/c/{sent.token(3)}/2", headers=PERSON)
    flush(app)
    unsubscribe(session, sent.readers[4], source="footer", delivery=sent.deliveries[4])
    session.commit()
    figures = campaign_engagement(session, sent.campaign.id)
    assert (figures.sent, figures.opened, figures.machine_opened_only, figures.clicked) == (
        5,
        2,
        1,
        1,
    )
    assert figures.unsubscribed == 1
    assert figures.open_rate == 2 / 5
    assert figures.click_rate == 1 / 5
    opens = event_counts(session, sent.campaign.id, EventType.OPEN)
    assert (opens.human, opens.machine) == (2, {"apple_mpp": 1})
    clicks = event_counts(session, sent.campaign.id, EventType.CLICK)
    assert (clicks.human, clicks.machine, clicks.machine_total) == (
        1,
        {"scanner_agent": 1, "head_request": 1},
        2,
    )


def test_link_figures_count_readers_per_link_and_machine_clicks(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=3, sent_ago=dt.timedelta(hours=2))
    for reader in (0, 0, 1):
        client.get(f"/t/c/{sent.token(reader)}/1", headers=PERSON)
    client.get(f"/t/c/{sent.token(2)}/3", headers=SCANNER)
    flush(app)
    rows = {row.position: row for row in link_clicks(session, sent.campaign.id)}
    assert (rows[1].readers, rows[1].machine_clicks, rows[1].url) == (2, 0, "https://example.com/a")
    assert (rows[3].readers, rows[3].machine_clicks) == (0, 1)
    assert 2 not in rows


def test_unsubscribing_is_counted_with_tracking_switched_off(app: Flask, session: Session) -> None:
    app.config["NEWSLETTER"] = dataclasses.replace(app.config["NEWSLETTER"], tracking=False)
    sent = make_sent_campaign(session, readers=1, track_opens=False, track_clicks=False)
    assert unsubscribe(session, sent.readers[0], source="one-click", delivery=sent.deliveries[0])
    session.commit()
    assert campaign_engagement(session, sent.campaign.id).unsubscribed == 1
    assert event_counts(session, sent.campaign.id, EventType.UNSUBSCRIBE).human == 1


def test_an_empty_campaign_has_zero_rates(session: Session) -> None:
    sent = make_sent_campaign(session, readers=0)
    figures = campaign_engagement(session, sent.campaign.id)
    assert (figures.open_rate, figures.click_rate) == (0.0, 0.0)
