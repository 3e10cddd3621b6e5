"""A small campaign whose every figure was worked out by hand (see ``KnownCampaign``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from flask import Flask
from flask_babel import refresh
from sqlalchemy.orm import Session

from newsletter.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryState,
    EventType,
    TrackedLink,
)
from tests.factories import make_campaign, make_delivery, make_event, make_issue, make_subscriber

#: The hour sending started (08:00 in Shanghai).
H0 = dt.datetime(2026, 4, 7, 0, 0, tzinfo=dt.UTC)


def at(hours: float, minutes: float = 0) -> dt.datetime:
    """An instant ``hours`` and ``minutes`` after :data:`H0`."""
    return H0 + dt.timedelta(hours=hours, minutes=minutes)


@pytest.fixture(autouse=True)
def language_per_request(request: pytest.FixtureRequest) -> None:
    """Let each test request pick its language, as each production request does.

    The suite's ``app`` fixture keeps one application context open for the whole test, so
    Flask-Babel's per-context locale cache would otherwise keep the first request's choice.
    """
    if "app" in request.fixturenames:
        app: Flask = request.getfixturevalue("app")
        app.before_request(refresh)


@dataclass
class KnownCampaign:
    """Ten readers of one campaign.

    ====  =================  =========  ===========================================
    row   topic mix          state      what happened
    ====  =================  =========  ===========================================
    d1    capital            sent       delivered; opens h0 h1, machine open h0;
                                        clicks L1 twice h1
    d2    capital            sent       delivered; open h2
    d3    capital+compute    sent       delivered; machine open h0; scanner click L1
    d4    compute            sent       delivered; open h1; click L2 h1; unsubscribed
    d5    *                  sent       delivered; a soft bounce first (not counted)
    d6    *                  sent       hard bounce
    d7    -                  sent       delivered; complaint
    d8    -                  failed     550 mailbox unavailable
    d9    research           in_doubt   worker died
    d10   research           queued
    ====  =================  =========  ===========================================
    """

    campaign: Campaign
    rows: dict[str, Delivery]
    links: dict[str, TrackedLink]


@pytest.fixture
def known(session: Session) -> KnownCampaign:
    """The campaign above, committed."""
    issue = make_issue(session)
    links = {
        f"L{n}": TrackedLink(issue_id=issue.id, position=n, url=f"https://{n}.example/", topics=t)
        for n, t in ((1, ["capital"]), (2, ["compute"]), (3, []))
    }
    session.add_all(links.values())
    campaign = make_campaign(
        session, issue, status=CampaignStatus.SENT, name="Known", started_at=at(0, 5),
        recipients_count=10, sent_count=7, failed_count=1,
    )  # fmt: skip
    rows = _rows(session, campaign)
    _events(session, rows, links)
    session.commit()
    return KnownCampaign(campaign, rows, links)


def _rows(session: Session, campaign: Campaign) -> dict[str, Delivery]:
    sent = {"state": DeliveryState.SENT, "sent_at": at(0, 10)}
    spec = {
        "d1": ("capital", sent | {"delivered_at": at(0, 11), "opened_at": at(0, 20),
                                  "machine_opened_at": at(0, 12), "clicked_at": at(1, 5)}),
        "d2": ("capital", sent | {"delivered_at": at(0, 11), "opened_at": at(2, 30)}),
        "d3": ("capital+compute", sent | {"delivered_at": at(0, 11),
                                          "machine_opened_at": at(0, 12)}),
        "d4": ("compute", sent | {"delivered_at": at(0, 11), "opened_at": at(1, 1),
                                  "clicked_at": at(1, 2), "unsubscribed_at": at(1, 3)}),
        "d5": ("*", sent | {"delivered_at": at(0, 40)}),
        "d6": ("*", sent | {"bounced_at": at(0, 11)}),
        "d7": ("-", sent | {"delivered_at": at(0, 11), "complained_at": at(3, 0)}),
        "d8": ("-", {"state": DeliveryState.FAILED, "last_error": "550 mailbox unavailable"}),
        "d9": ("research", {"state": DeliveryState.IN_DOUBT, "last_error": "worker died"}),
        "d10": ("research", {"state": DeliveryState.QUEUED}),
    }  # fmt: skip
    rows = {}
    for name, (variant, columns) in spec.items():
        reader = make_subscriber(session, f"{name}@readers.example.org")
        rows[name] = make_delivery(session, campaign, reader, variant_key=variant, **columns)
    return rows


def _events(session: Session, rows: dict[str, Delivery], links: dict[str, TrackedLink]) -> None:
    session.flush()
    for name in ("d1", "d2", "d3", "d4", "d5", "d7"):
        make_event(session, EventType.DELIVERY, delivery=rows[name], occurred_at=at(0, 11))
    make_event(
        session,
        EventType.BOUNCE,
        delivery=rows["d5"],
        occurred_at=at(0, 15),
        detail={"bounce_type": "Transient", "bounce_subtype": "MailboxFull"},
    )
    make_event(
        session,
        EventType.BOUNCE,
        delivery=rows["d6"],
        occurred_at=at(0, 11),
        detail={"bounce_type": "Permanent", "bounce_subtype": "NoEmail"},
    )
    make_event(session, EventType.COMPLAINT, delivery=rows["d7"], occurred_at=at(3, 0))
    opens = [
        ("d1", at(0, 20), False),
        ("d1", at(1, 40), False),
        ("d1", at(0, 12), True),
        ("d2", at(2, 30), False),
        ("d3", at(0, 12), True),
        ("d4", at(1, 1), False),
    ]
    for name, when, machine in opens:
        make_event(
            session, EventType.OPEN, delivery=rows[name], occurred_at=when, is_machine=machine
        )
    clicks = [
        ("d1", "L1", at(1, 5), False),
        ("d1", "L1", at(1, 6), False),
        ("d4", "L2", at(1, 2), False),
        ("d3", "L1", at(0, 12), True),
    ]
    for name, link, when, machine in clicks:
        make_event(
            session,
            EventType.CLICK,
            delivery=rows[name],
            occurred_at=when,
            link_id=links[link].id,
            is_machine=machine,
        )
    make_event(session, EventType.UNSUBSCRIBE, delivery=rows["d4"], occurred_at=at(1, 3))
    make_event(session, EventType.SIGNUP, occurred_at=at(0, 30))
    make_event(session, EventType.CONFIRM, occurred_at=at(0, 35))
