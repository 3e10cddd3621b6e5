"""Every figure of the known campaign, worked out by hand (see ``conftest.KnownCampaign``)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from newsletter.metrics import rollup, snapshots
from newsletter.metrics.campaign_report import CampaignReport, build_campaign_report
from newsletter.metrics.funnel import funnel_of
from tests.metrics.conftest import KnownCampaign, at

SHANGHAI = ZoneInfo("Asia/Shanghai")


def roll_up(session: Session, campaign_id: int) -> None:
    """What one pass of the metrics service does for this campaign."""
    rollup.roll_up_all_events(session)
    rollup.recount_sends(session, now=at(5))
    snapshots.store_campaign_snapshot(session, campaign_id)
    session.commit()


@pytest.fixture
def report(app: Flask, session: Session, known: KnownCampaign) -> CampaignReport:
    roll_up(session, known.campaign.id)
    with app.test_request_context("/?lang=en"):
        return build_campaign_report(session, known.campaign, "en", SHANGHAI)


def by_key(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


def test_the_funnel_counts_each_reader_once_per_step(report: CampaignReport) -> None:
    funnel = report.funnel
    assert funnel is not None
    expected = {
        "targeted": 10, "sent": 7, "delivered": 6, "bounced": 1, "complained": 1, "opened": 3,
        "machine_opened": 1, "clicked": 2, "unsubscribed": 1, "failed": 1, "in_doubt": 1,
        "queued": 1,
    }  # fmt: skip
    assert {name: funnel.count(name) for name in expected} == expected
    assert report.base_name == "delivered"


def test_the_funnel_rates_use_their_stated_denominators(report: CampaignReport) -> None:
    rows = by_key(report.tables["funnel"].rows, "_key")
    rates = {key: (row["count"], row["rate"]) for key, row in rows.items()}
    assert rates["targeted"] == (10, None)
    assert rates["sent"] == (7, pytest.approx(7 / 10))
    assert rates["delivered"] == (6, pytest.approx(6 / 7))
    assert rates["bounced"] == (1, pytest.approx(1 / 7))
    assert rates["complained"] == (1, pytest.approx(1 / 6))
    assert rates["opened"] == (3, pytest.approx(3 / 6))
    assert rates["machine_opened"] == (1, pytest.approx(1 / 6))  # d3; a person opened d1 too
    assert rates["clicked"] == (2, pytest.approx(2 / 6))
    assert rates["click_to_open"] == (2, pytest.approx(2 / 3))
    assert rates["unsubscribed"] == (1, pytest.approx(1 / 6))
    assert rates["failed"] == (1, pytest.approx(1 / 10))


def test_opens_and_clicks_per_hour_split_humans_from_machines(report: CampaignReport) -> None:
    rows = report.tables["hourly"].rows
    assert len(rows) == 48
    assert rows[0]["hour"] == "04-07 08:00"  # Shanghai time of H0
    first = [
        (r["sent"], r["open"], r["open:machine"], r["click"], r["click:machine"]) for r in rows[:4]
    ]
    assert first == [(7, 1, 2, 0, 1), (0, 2, 0, 3, 0), (0, 1, 0, 0, 0), (0, 0, 0, 0, 0)]
    assert sum(r["open"] for r in rows) == 4  # every human open event, not unique readers
    chart = next(c for c in report.charts if c.name == "hourly")
    assert chart.datasets[0].data[:3] == [1, 2, 1]


def test_clicks_per_link_count_humans_readers_and_scanners_apart(report: CampaignReport) -> None:
    links = by_key(report.tables["links"].rows, "position")
    assert (links[1]["clicks"], links[1]["readers"], links[1]["machine"]) == (2, 1, 1)
    assert (links[2]["clicks"], links[2]["readers"], links[2]["machine"]) == (1, 1, 0)
    assert (links[3]["clicks"], links[3]["readers"], links[3]["machine"]) == (0, 0, 0)
    assert links[1]["share"] == pytest.approx(2 / 3)
    assert [row["position"] for row in report.tables["links"].rows] == [1, 2, 3]


def test_engagement_per_topic_follows_the_readers_topic_mix(report: CampaignReport) -> None:
    topics = by_key(report.tables["topics"].rows, "topic")
    # capital: d1 d2 (capital), d3 (capital+compute), d5 d6 (everything); 4 delivered.
    capital = topics["Capital"]
    assert (capital["readers"], capital["sent"], capital["opened"], capital["clicked"]) == (
        5, 5, 2, 1,
    )  # fmt: skip
    assert capital["open_rate"] == pytest.approx(2 / 4)
    assert capital["click_rate"] == pytest.approx(1 / 4)
    compute = topics["Compute"]
    assert (compute["readers"], compute["opened"], compute["unsubscribed"]) == (4, 1, 1)
    assert compute["unsubscribe_rate"] == pytest.approx(1 / 3)
    # research: d9 (in doubt) and d10 (queued) chose it, d5 d6 got everything.
    research = topics["Research"]
    assert (research["readers"], research["sent"], research["opened"]) == (4, 2, 0)
    assert topics["Regulation & compliance"]["readers"] == 2
    general = topics["General only"]
    assert (general["readers"], general["sent"]) == (2, 1)


def test_clicks_per_topic_follow_the_links_items(report: CampaignReport) -> None:
    rows = by_key(report.tables["topic_clicks"].rows, "topic")
    assert (rows["Capital"]["clicks"], rows["Capital"]["machine"]) == (2, 1)
    assert rows["Compute"]["clicks"] == 1
    assert (rows["General parts"]["links"], rows["General parts"]["clicks"]) == (1, 0)


def test_failed_and_in_doubt_rows_are_listed_with_their_reasons(report: CampaignReport) -> None:
    rows = report.tables["attention"].rows
    assert [(r["state"], r["email"], r["reason"]) for r in rows] == [
        ("failed", "d8@readers.example.org", "550 mailbox unavailable"),
        ("in_doubt", "d9@readers.example.org", "worker died"),
    ]
    reasons = {(r["state"], r["reason"]): r["rows"] for r in report.tables["reasons"].rows}
    assert reasons == {("failed", "550 mailbox unavailable"): 1, ("in_doubt", "worker died"): 1}


def test_a_topic_funnel_uses_the_campaign_base(session: Session, known: KnownCampaign) -> None:
    roll_up(session, known.campaign.id)
    snapshot = snapshots.load_snapshot(session, snapshots.CAMPAIGN, str(known.campaign.id))
    assert snapshot is not None
    only_queued = [g for g in snapshot.data["groups"] if g["variant"] == "research"]
    assert funnel_of(only_queued).base_name == "sent"  # no delivery events in that group
