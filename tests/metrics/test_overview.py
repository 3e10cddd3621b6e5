"""The overall page's figures for the known campaign's day, worked out by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.metrics import rollup, snapshots
from newsletter.metrics.overview import Overview, build_overview
from newsletter.metrics.series import Days
from newsletter.models import SubscriberStatus
from tests.factories import make_subscriber
from tests.metrics.conftest import KnownCampaign, at

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def overview(app: Flask, session: Session, known: KnownCampaign) -> Overview:
    make_subscriber(session, "a@readers.example.org", ["capital", "compute"])
    make_subscriber(session, "b@readers.example.org", ["capital"])
    make_subscriber(session, "c@readers.example.org", ["research"], status=SubscriberStatus.PENDING)
    rollup.roll_up_all_events(session)
    rollup.recount_sends(session, now=at(5))
    snapshots.store_overall_snapshot(session)
    session.commit()
    settings: Settings = app.config["NEWSLETTER"]
    days = Days(dt.date(2026, 4, 8), 3, SHANGHAI)
    with app.test_request_context("/?lang=en"):
        return build_overview(session, settings, "en", at(5), days)


def by_day(overview: Overview, table: str) -> dict[str, dict[str, Any]]:
    return {row["day"]: row for row in overview.tables[table].rows}


def test_sent_delivered_gained_and_lost_per_day(overview: Overview) -> None:
    days = by_day(overview, "daily")
    assert list(days) == ["2026-04-06", "2026-04-07", "2026-04-08"]
    day = days["2026-04-07"]  # H0 is 08:00 on 7 April in Shanghai
    figures = {k: day[k] for k in ("sent", "delivery", "bounce_hard", "complaint", "signup",
                                   "confirm", "unsubscribe", "lost")}  # fmt: skip
    assert figures == {
        "sent": 7, "delivery": 6, "bounce_hard": 1, "complaint": 1, "signup": 1,
        "confirm": 1, "unsubscribe": 1, "lost": 3,
    }  # fmt: skip
    assert days["2026-04-06"]["sent"] == 0
    assert days["2026-04-08"]["sent"] == 0


def test_rolling_rates_cover_the_window_up_to_each_day(overview: Overview) -> None:
    days = by_day(overview, "rolling")
    assert days["2026-04-06"]["bounce_rate"] is None  # nothing sent yet
    today = days["2026-04-07"]
    assert (today["bounces"], today["sent"]) == (1, 7)
    assert today["bounce_rate"] == pytest.approx(1 / 7)
    assert (today["complaints"], today["base"]) == (1, 6)
    assert today["complaint_rate"] == pytest.approx(1 / 6)
    assert overview.window.bounce.value == pytest.approx(1 / 7)
    chart = next(c for c in overview.charts if c.name == "bounce")
    assert chart.datasets[0].data[1] == pytest.approx(100 / 7, abs=1e-3)
    assert chart.datasets[1].data == [2.0, 2.0, 2.0]  # our alarm level, in percent
    assert chart.datasets[2].data == [5.0, 5.0, 5.0]  # SES review level


def test_topic_popularity_counts_confirmed_readers(overview: Overview) -> None:
    topics = {row["slug"]: row for row in overview.tables["topics"].rows}
    assert topics["capital"]["readers"] == 2
    assert topics["compute"]["readers"] == 1
    assert topics["research"]["readers"] == 0  # the pending reader does not count yet
    # 10 readers of the known campaign + 2 confirmed here.
    assert topics["capital"]["share"] == pytest.approx(2 / 12)


def test_recent_campaigns_show_their_rates(
    app: Flask, session: Session, overview: Overview, known: KnownCampaign
) -> None:
    (row,) = overview.tables["campaigns"].rows
    assert row["id"] == known.campaign.id
    assert row["open_rate"] is None  # before the campaign's first snapshot
    assert (row["targeted"], row["sent"]) == (10, 7)

    snapshots.store_campaign_snapshot(session, known.campaign.id)
    days = Days(dt.date(2026, 4, 8), 3, SHANGHAI)
    with app.test_request_context("/?lang=en"):
        later = build_overview(session, app.config["NEWSLETTER"], "en", at(5), days)
    (row,) = later.tables["campaigns"].rows
    assert row["open_rate"] == pytest.approx(3 / 6)
    assert row["click_rate"] == pytest.approx(2 / 6)
    assert row["bounce_rate"] == pytest.approx(1 / 7)
    assert row["complaint_rate"] == pytest.approx(1 / 6)
