"""RFC 8058 one-click unsubscribe: POST leaves at once; GET never changes anything."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.models import Delivery, Event, EventType, Subscriber, SubscriberStatus
from newsletter.signing import TokenPurpose
from newsletter.subscriptions.suppression import is_suppressed
from newsletter.subscriptions.tokens import reader_token, signer
from tests.factories import make_campaign, make_delivery, make_subscriber

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def reader(session: Session) -> Subscriber:
    subscriber = make_subscriber(session, "li@example.org", ["capital"])
    session.commit()
    return subscriber


@pytest.fixture
def delivery(session: Session, reader: Subscriber) -> Delivery:
    row = make_delivery(session, make_campaign(session), reader)
    session.commit()
    return row


@pytest.fixture
def url(app: Flask, delivery: Delivery) -> str:
    with app.test_request_context():
        return f"/u/{signer().sign(TokenPurpose.DELIVERY, delivery.id)}"


@pytest.fixture
def provider(app: Flask) -> FlaskClient:
    """A mail provider's POST: no cookies, no Referer, no session."""
    return app.test_client(use_cookies=False)


def status_of(session: Session, reader: Subscriber) -> SubscriberStatus:
    session.expire_all()
    found = session.get(Subscriber, reader.id)
    assert found is not None
    return found.status


def unsubscribe_events(session: Session) -> int:
    query = select(func.count()).select_from(Event).where(Event.type == EventType.UNSUBSCRIBE)
    return int(session.scalar(query) or 0)


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_one_click_post_unsubscribes_at_once_without_cookie_or_redirect(
    provider: FlaskClient, session: Session, reader: Subscriber, url: str, encoding: str
) -> None:
    content_type = (
        "multipart/form-data" if encoding == "multipart" else "application/x-www-form-urlencoded"
    )
    response = provider.post(url, data=ONE_CLICK, content_type=content_type)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Location" not in response.headers
    assert status_of(session, reader) is SubscriberStatus.UNSUBSCRIBED
    assert is_suppressed(session, "li@example.org")


def test_it_is_idempotent_and_counts_once_for_the_campaign(
    provider: FlaskClient, session: Session, reader: Subscriber, delivery: Delivery, url: str
) -> None:
    for _ in range(3):
        assert provider.post(url, data=ONE_CLICK).status_code == 200
    assert unsubscribe_events(session) == 1
    session.expire_all()
    row = session.get(Delivery, delivery.id)
    assert row is not None
    assert row.unsubscribed_at is not None
    [event] = session.scalars(select(Event).where(Event.type == EventType.UNSUBSCRIBE))
    assert (event.campaign_id, event.delivery_id) == (delivery.campaign_id, delivery.id)


def test_a_get_shows_a_confirm_button_and_changes_nothing(
    provider: FlaskClient, session: Session, reader: Subscriber, url: str
) -> None:
    for method in (provider.get, provider.head):
        assert method(url).status_code == 200
    page = provider.get(url).get_data(as_text=True)
    assert f'action="{url}"' in page
    assert 'method="post"' in page
    assert "/p/" in page  # the link to the preference centre
    assert status_of(session, reader) is SubscriberStatus.CONFIRMED
    assert unsubscribe_events(session) == 0


def test_the_footer_pages_button_posts_an_empty_body(
    client: FlaskClient, session: Session, reader: Subscriber, app: Flask
) -> None:
    with app.test_request_context():
        url = f"/u/{reader_token(reader)}"
    response = client.post(url)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert status_of(session, reader) is SubscriberStatus.UNSUBSCRIBED


def test_another_value_of_the_field_is_refused(
    provider: FlaskClient, session: Session, reader: Subscriber, url: str
) -> None:
    response = provider.post(url, data={"List-Unsubscribe": "Yes please"})
    assert response.status_code == 400
    assert "List-Unsubscribe=One-Click" in response.get_data(as_text=True)
    assert status_of(session, reader) is SubscriberStatus.CONFIRMED


def test_a_reader_who_already_left_gets_the_same_answer(
    provider: FlaskClient, session: Session, reader: Subscriber, url: str
) -> None:
    provider.post(url, data=ONE_CLICK)
    again = provider.post(url, data=ONE_CLICK)
    assert again.status_code == 200
    assert "li@example.org" in provider.get(url).get_data(as_text=True)
