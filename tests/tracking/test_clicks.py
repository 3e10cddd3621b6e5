"""The click redirect goes only where the issue's link registry says, and tells readers from
link scanners."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from newsletter.models import Delivery, Event, EventType, TrackedLink
from newsletter.signing import TokenPurpose, TokenSigner
from tests.tracking.helpers import LINKS, SIGNER, flush, make_sent_campaign

BROWSER = {
    "User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1"
}
ARCHIVE = "https://news.example.org/archive"


def _clicks(session: Session) -> list[Event]:
    session.expire_all()
    return list(
        session.scalars(select(Event).where(Event.type == EventType.CLICK).order_by(Event.id))
    )


def _delivery(session: Session, delivery: Delivery) -> Delivery:
    session.expire_all()
    found = session.get(Delivery, delivery.id)
    assert found is not None
    return found


def test_a_click_redirects_to_the_registry_url_and_is_recorded(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session)
    response = client.get(f"/t/c/{sent.token(0)}/2", headers=BROWSER)
    assert response.status_code == 302
    assert response.headers["Location"] == LINKS[1]
    assert "no-store" in response.headers["Cache-Control"]
    flush(app)
    [event] = _clicks(session)
    assert event.link_id == sent.links[1].id
    assert (event.campaign_id, event.delivery_id) == (sent.campaign.id, sent.deliveries[0].id)
    assert event.is_machine is False
    delivery = _delivery(session, sent.deliveries[0])
    assert delivery.clicked_at == event.occurred_at
    assert delivery.opened_at == event.occurred_at  # a click means the email was read


def test_an_unknown_link_number_lands_on_the_issues_archive_page(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session)
    for position in ("4", "0", "99999999999999999999"):
        response = client.get(f"/t/c/{sent.token()}/{position}", headers=BROWSER)
        assert response.status_code == 302
        assert response.headers["Location"] == f"{ARCHIVE}/{sent.issue.slug}"
    flush(app)
    assert _clicks(session) == []


@pytest.mark.parametrize("suffix", ["", "/", "/2)", "/-1", "/abc", "/2/extra"])
def test_mangled_click_urls_with_a_good_token_land_on_the_issues_page(
    client: FlaskClient, session: Session, suffix: str
) -> None:
    sent = make_sent_campaign(session, readers=1)
    response = client.get(f"/t/c/{sent.token()}{suffix}", headers=BROWSER)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{ARCHIVE}/{sent.issue.slug}"


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        TokenSigner("another-secret-key-of-another-installation-000").sign(
            TokenPurpose.DELIVERY, 1
        ),
        SIGNER.sign(TokenPurpose.READER, 1),
        SIGNER.sign(TokenPurpose.DELIVERY, 424242),
        "https:%2F%2Fevil.example",
    ],
)
def test_bad_foreign_and_unknown_tokens_land_on_the_archive(
    app: Flask, client: FlaskClient, session: Session, token: str
) -> None:
    make_sent_campaign(session, readers=1)
    response = client.get(f"/t/c/{token}/1?url=https://evil.example/", headers=BROWSER)
    assert response.status_code == 302
    assert response.headers["Location"] == ARCHIVE
    flush(app)
    assert _clicks(session) == []


@pytest.mark.parametrize(
    "bad_url", ["javascript:alert(1)", "//evil.example/x", "data:text/html,hi", "ftp://x.example/"]
)
def test_a_registry_entry_that_is_not_a_web_url_is_never_followed(
    client: FlaskClient, session: Session, bad_url: str
) -> None:
    sent = make_sent_campaign(session, readers=1)
    session.add(TrackedLink(issue_id=sent.issue.id, position=9, url=bad_url))
    session.commit()
    response = client.get(f"/t/c/{sent.token()}/9", headers=BROWSER)
    assert response.headers["Location"] == f"{ARCHIVE}/{sent.issue.slug}"


def test_a_head_request_redirects_but_counts_as_a_machine(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1)
    response = client.head(f"/t/c/{sent.token()}/1", headers=BROWSER)
    assert response.status_code == 302
    assert response.headers["Location"] == LINKS[0]
    flush(app)
    [event] = _clicks(session)
    assert (event.is_machine, event.machine_reason) == (True, "head_request")
    assert _delivery(session, sent.deliveries[0]).clicked_at is None


def test_a_click_seconds_after_delivery_is_a_scanner(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1, sent_ago=dt.timedelta(milliseconds=500))
    client.get(f"/t/c/{sent.token()}/1", headers=BROWSER)
    flush(app)
    assert _clicks(session)[0].machine_reason == "too_fast"
    assert _delivery(session, sent.deliveries[0]).clicked_at is None


def test_following_every_link_within_a_second_is_a_scanner(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=2)
    client.get(f"/t/c/{sent.token(0)}/1", headers=BROWSER)
    flush(app)  # the first click is written as a person's before the others arrive
    assert _delivery(session, sent.deliveries[0]).clicked_at is not None
    for position in (2, 3):
        client.get(f"/t/c/{sent.token(0)}/{position}", headers=BROWSER)
    client.get(f"/t/c/{sent.token(1)}/1", headers=BROWSER)
    flush(app)
    by_delivery = {(e.delivery_id, e.link_id): e for e in _clicks(session)}
    scanner = [by_delivery[(sent.deliveries[0].id, link.id)] for link in sent.links]
    assert {(e.is_machine, e.machine_reason) for e in scanner} == {(True, "link_burst")}
    assert _delivery(session, sent.deliveries[0]).clicked_at is None
    assert _delivery(session, sent.deliveries[0]).opened_at is None
    assert by_delivery[(sent.deliveries[1].id, sent.links[0].id)].is_machine is False


def test_clicking_the_same_link_twice_is_not_a_burst(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1)
    client.get(f"/t/c/{sent.token()}/1", headers=BROWSER)
    client.get(f"/t/c/{sent.token()}/1", headers=BROWSER)
    flush(app)
    assert [e.is_machine for e in _clicks(session)] == [False, False]


def test_a_campaign_without_click_tracking_still_redirects_and_records_nothing(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1, track_clicks=False)
    response = client.get(f"/t/c/{sent.token()}/3", headers=BROWSER)
    assert response.headers["Location"] == LINKS[2]
    flush(app)
    assert _clicks(session) == []


@pytest.mark.parametrize("settings_overrides", [{"tracking": False}])
def test_tracking_off_globally_still_redirects_and_records_nothing(
    app: Flask, client: FlaskClient, session: Session, settings_overrides: dict[str, Any]
) -> None:
    sent = make_sent_campaign(session, readers=1)
    response = client.get(f"/t/c/{sent.token()}/1", headers=BROWSER)
    assert response.headers["Location"] == LINKS[0]
    assert flush(app) == 0
    assert _clicks(session) == []


def test_a_click_while_the_database_is_away_still_lands_on_the_archive(
    app: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = make_sent_campaign(session, readers=1)

    def unreachable(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT", {}, ConnectionError("database is down"))

    monkeypatch.setattr("newsletter.tracking.views.resolve_click", unreachable)
    response = client.get(f"/t/c/{sent.token()}/1", headers=BROWSER)
    assert response.status_code == 302
    assert response.headers["Location"] == ARCHIVE
