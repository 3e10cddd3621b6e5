"""The open pixel always answers with the image and records only genuine, tracked opens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.models import Delivery, Event, EventSource, EventType
from newsletter.signing import TokenPurpose, TokenSigner
from newsletter.tracking.pixel import PIXEL
from tests.tracking.helpers import SIGNER, flush, make_sent_campaign

READER = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Thunderbird/115.0"}


def _events(session: Session, kind: EventType = EventType.OPEN) -> list[Event]:
    session.expire_all()
    return list(session.scalars(select(Event).where(Event.type == kind).order_by(Event.id)))


def _assert_pixel(response: Any) -> None:
    assert response.status_code == 200
    assert response.mimetype == "image/gif"
    assert response.data == PIXEL
    assert "no-store" in response.headers["Cache-Control"]


def test_an_open_is_recorded_with_the_delivery_campaign_and_reader(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session)
    response = client.get(
        f"/t/o/{sent.token(1)}.gif", headers=READER, environ_base={"REMOTE_ADDR": "203.0.113.77"}
    )
    _assert_pixel(response)
    assert flush(app) == 1
    [event] = _events(session)
    delivery = sent.deliveries[1]
    assert (event.delivery_id, event.campaign_id, event.subscriber_id) == (
        delivery.id,
        sent.campaign.id,
        delivery.subscriber_id,
    )
    assert event.source is EventSource.TRACKING
    assert event.is_machine is False
    assert event.ip == "203.0.113.0/24"
    assert event.user_agent == READER["User-Agent"]
    session.refresh(delivery)
    assert delivery.opened_at == event.occurred_at
    assert delivery.machine_opened_at is None


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "",
        "a" * 300,
        TokenSigner("another-secret-key-of-another-installation-000").sign(
            TokenPurpose.DELIVERY, 1
        ),
        SIGNER.sign(TokenPurpose.READER, 1),
        SIGNER.sign(TokenPurpose.DELIVERY, 1, 2),
        SIGNER.sign(TokenPurpose.DELIVERY, 2**64),
        "%00%ff",
    ],
)
def test_bad_foreign_and_malformed_tokens_get_the_image_and_record_nothing(
    app: Flask, client: FlaskClient, session: Session, token: str
) -> None:
    make_sent_campaign(session, readers=1)
    _assert_pixel(client.get(f"/t/o/{token}.gif", headers=READER))
    assert flush(app) == 0
    assert _events(session) == []


@pytest.mark.parametrize("path", ["/t/o/abc", "/t/o/abc.png", "/t/o/a/b/c.gif"])
def test_mangled_pixel_urls_still_get_the_image(client: FlaskClient, path: str) -> None:
    _assert_pixel(client.get(path))


def test_a_token_for_a_delivery_that_does_not_exist_records_nothing(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    _assert_pixel(client.get(f"/t/o/{SIGNER.sign(TokenPurpose.DELIVERY, 987654)}.gif"))
    flush(app)
    assert _events(session) == []


def test_opens_of_a_campaign_that_does_not_track_them_are_not_recorded(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1, track_opens=False)
    _assert_pixel(client.get(f"/t/o/{sent.token()}.gif", headers=READER))
    flush(app)
    assert _events(session) == []
    assert session.get(Delivery, sent.deliveries[0].id).opened_at is None  # type: ignore[union-attr]


@pytest.mark.parametrize("settings_overrides", [{"tracking": False}])
def test_tracking_switched_off_globally_records_nothing(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1)
    _assert_pixel(client.get(f"/t/o/{sent.token()}.gif", headers=READER))
    assert flush(app) == 0
    assert _events(session) == []


@pytest.mark.parametrize("settings_overrides", [{"ip_storage": "hash"}])
def test_addresses_are_hashed_when_so_configured(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1)
    client.get(
        f"/t/o/{sent.token()}.gif", headers=READER, environ_base={"REMOTE_ADDR": "203.0.113.77"}
    )
    flush(app)
    [event] = _events(session)
    assert event.ip is not None
    assert event.ip.startswith("h:")
    assert "203.0.113" not in event.ip


@pytest.mark.parametrize("settings_overrides", [{"ip_storage": "none"}])
def test_addresses_are_dropped_when_so_configured(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1)
    client.get(
        f"/t/o/{sent.token()}.gif", headers=READER, environ_base={"REMOTE_ADDR": "203.0.113.77"}
    )
    flush(app)
    assert _events(session)[0].ip is None


@pytest.mark.parametrize("settings_overrides", [{"tracking_writes": "direct"}])
def test_direct_mode_writes_each_open_before_answering(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1)
    _assert_pixel(client.get(f"/t/o/{sent.token()}.gif", headers=READER))
    assert len(_events(session)) == 1


def test_an_apple_relay_open_is_a_machine_open(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1)
    client.get(
        f"/t/o/{sent.token()}.gif", headers=READER, environ_base={"REMOTE_ADDR": "17.58.100.1"}
    )
    flush(app)
    [event] = _events(session)
    assert (event.is_machine, event.machine_reason) == (True, "apple_mpp")
    delivery = session.get(Delivery, sent.deliveries[0].id)
    assert delivery is not None
    assert delivery.opened_at is None
    assert delivery.machine_opened_at == event.occurred_at


def test_an_open_right_after_sending_is_prefetching(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1, sent_ago=dt.timedelta(seconds=1))
    client.get(f"/t/o/{sent.token()}.gif", headers=READER)
    flush(app)
    assert _events(session)[0].machine_reason == "prefetch"


def test_repeated_opens_keep_the_first_time_and_count_once(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=2)
    for _ in range(3):
        client.get(f"/t/o/{sent.token(0)}.gif", headers=READER)
    flush(app)
    client.get(f"/t/o/{sent.token(0)}.gif", headers=READER)
    flush(app)
    events = _events(session)
    assert len(events) == 4
    session.expire_all()
    opened = session.scalar(
        select(func.count(Delivery.opened_at)).where(Delivery.campaign_id == sent.campaign.id)
    )
    assert opened == 1
    assert session.get(Delivery, sent.deliveries[0].id).opened_at == events[0].occurred_at  # type: ignore[union-attr]


def test_head_requests_get_the_headers_and_count_as_machines(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1)
    response = client.head(f"/t/o/{sent.token()}.gif", headers=READER)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(PIXEL))
    assert response.data == b""
    flush(app)
    assert _events(session)[0].machine_reason == "head_request"


@pytest.mark.parametrize("settings_overrides", [{"trusted_proxies": 1}])
def test_behind_a_trusted_proxy_the_readers_address_is_used(
    app: Flask, client: FlaskClient, session: Session, settings_overrides: dict[str, Any]
) -> None:
    sent = make_sent_campaign(session, readers=1)
    client.get(
        f"/t/o/{sent.token()}.gif",
        headers={**READER, "X-Forwarded-For": "17.1.2.3"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    flush(app)
    [event] = _events(session)
    assert (event.ip, event.machine_reason) == ("17.1.2.0/24", "apple_mpp")


def test_the_pixel_sets_no_cookie_and_the_security_headers(
    client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1)
    response = client.get(f"/t/o/{sent.token()}.gif?lang=en", headers=READER)
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_gmail_proxy_open_is_a_read_labelled_with_the_proxy(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sent = make_sent_campaign(session, readers=1)
    gmail = (
        "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
    )
    client.get(f"/t/o/{sent.token()}.gif", headers={"User-Agent": gmail})
    flush(app)
    [event] = _events(session)
    assert (event.is_machine, event.detail, event.user_agent) == (
        False,
        {"via": "gmail_proxy"},
        gmail,
    )
    assert session.get(Delivery, sent.deliveries[0].id).opened_at is not None  # type: ignore[union-attr]
