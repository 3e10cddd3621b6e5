"""The preference centre: reached from any email, no login, every change at once."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import Event, EventType, Subscriber, SubscriberStatus
from newsletter.signing import TokenPurpose
from newsletter.subscriptions.preferences import is_paused
from newsletter.subscriptions.tokens import reader_token, signer
from tests.conftest import csrf_token
from tests.factories import make_campaign, make_delivery, make_subscriber
from tests.subscriptions.helpers import only_link


@pytest.fixture
def reader(session: Session) -> Subscriber:
    subscriber = make_subscriber(session, "li@example.org", ["capital"], name="李伟")
    session.commit()
    return subscriber


@pytest.fixture
def page(app: Flask, reader: Subscriber) -> str:
    with app.test_request_context():
        return f"/p/{reader_token(reader)}"


def fresh(session: Session, reader: Subscriber) -> Subscriber:
    session.expire_all()
    found = session.get(Subscriber, reader.id)
    assert found is not None
    return found


def post(client: FlaskClient, url: str, data: dict[str, Any], page: str) -> Any:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_the_page_shows_the_readers_choices_in_their_language(
    client: FlaskClient, page: str
) -> None:
    html = client.get(page).get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "li@example.org" in html
    assert re.search(r'<input checked[^>]*value="capital"', html)
    assert not re.search(r'<input checked[^>]*value="research"', html)


def test_changing_topics_language_and_empty_issues_is_saved_with_one_event(
    client: FlaskClient, session: Session, reader: Subscriber, page: str
) -> None:
    answer = post(client, page, {"topics": ["compute", "research"], "locale": "en"}, page)
    assert answer.status_code == 302
    assert answer.headers["Location"] == page
    changed = fresh(session, reader)
    assert changed.topic_slugs() == {"compute", "research"}
    assert changed.locale == "en"
    assert changed.receive_empty_issues is False
    [event] = session.scalars(select(Event).where(Event.type == EventType.PREFERENCES)).all()
    assert event.detail == {"changed": ["topics", "locale", "receive_empty_issues"]}
    html = client.get(page).get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Your choices are saved." in html


def test_an_unknown_topic_is_refused_and_named(
    client: FlaskClient, session: Session, reader: Subscriber, page: str
) -> None:
    answer = post(client, page, {"topics": ["crypto"], "locale": "zh_CN"}, page)
    assert answer.status_code == 422
    assert "crypto" in answer.get_data(as_text=True)
    assert fresh(session, reader).topic_slugs() == {"capital"}


def test_pausing_and_resuming(
    client: FlaskClient, session: Session, reader: Subscriber, page: str
) -> None:
    post(client, f"{page}/pause", {"weeks": "2"}, page)
    paused = fresh(session, reader)
    assert is_paused(paused)
    assert paused.paused_until is not None
    post(client, f"{page}/resume", {}, page)
    assert not is_paused(fresh(session, reader))


def test_a_pause_of_an_unoffered_length_is_refused(
    client: FlaskClient, session: Session, reader: Subscriber, page: str
) -> None:
    post(client, f"{page}/pause", {"weeks": "52"}, page)
    assert fresh(session, reader).paused_until is None


def test_unsubscribing_from_everything_and_coming_back(
    client: FlaskClient,
    session: Session,
    reader: Subscriber,
    page: str,
    app_config: dict[str, Any],
) -> None:
    post(client, f"{page}/unsubscribe", {}, page)
    assert fresh(session, reader).status is SubscriberStatus.UNSUBSCRIBED
    assert "resubscribe" in client.get(page).get_data(as_text=True)
    post(client, f"{page}/resubscribe", {}, page)
    link = only_link(app_config["outbox_dir"], "confirm")
    confirm_page = client.get(link).get_data(as_text=True)
    client.post(link, data={"csrf_token": csrf_token(confirm_page)})
    assert fresh(session, reader).status is SubscriberStatus.CONFIRMED


def test_a_campaign_link_opens_the_page_and_credits_the_campaign(
    client: FlaskClient, session: Session, reader: Subscriber, app: Flask
) -> None:
    delivery = make_delivery(session, make_campaign(session), reader)
    session.commit()
    with app.test_request_context():
        page = f"/p/{signer().sign(TokenPurpose.DELIVERY, delivery.id)}"
    post(client, page, {"topics": ["capital"], "locale": "en"}, page)
    [event] = session.scalars(select(Event).where(Event.type == EventType.PREFERENCES)).all()
    assert (event.campaign_id, event.delivery_id) == (delivery.campaign_id, delivery.id)


def test_downloading_my_data_gives_everything_and_nobody_elses(
    client: FlaskClient, session: Session, reader: Subscriber, page: str
) -> None:
    other = make_subscriber(session, "other@example.org", ["compute"])
    campaign = make_campaign(session)
    make_delivery(session, campaign, reader)
    make_delivery(session, campaign, other)
    session.commit()
    answer = post(client, f"{page}/data", {}, page)
    assert answer.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(answer.get_data(as_text=True))
    assert data["subscriber"]["email"] == "li@example.org"
    assert data["subscriber"]["name"] == "李伟"
    assert [t["slug"] for t in data["topics"]] == ["capital"]
    assert data["consent"]["method"] == "signup_form"
    assert [d["campaign_id"] for d in data["deliveries"]] == [campaign.id]
    assert "other@example.org" not in answer.get_data(as_text=True)


def test_erasing_asks_first_then_deletes_the_reader(
    client: FlaskClient, session: Session, reader: Subscriber, page: str
) -> None:
    confirm = client.get(f"{page}/erase")
    assert confirm.status_code == 200
    assert fresh(session, reader) is not None  # the GET only asks
    answer = client.post(
        f"{page}/erase", data={"csrf_token": csrf_token(confirm.get_data(as_text=True))}
    )
    assert answer.status_code == 200
    session.expunge_all()  # the reader was deleted by another session
    assert session.get(Subscriber, reader.id) is None
    gone = client.get(page)
    assert gone.status_code == 404


def test_forms_without_a_csrf_token_change_nothing(
    client: FlaskClient, session: Session, reader: Subscriber, page: str
) -> None:
    for action, data in [
        ("", {"topics": ["compute"], "locale": "en"}),
        ("/pause", {"weeks": "1"}),
        ("/unsubscribe", {}),
        ("/erase", {}),
    ]:
        assert client.post(page + action, data=data).status_code == 400
    kept = fresh(session, reader)
    assert (kept.status, kept.topic_slugs(), kept.paused_until) == (
        SubscriberStatus.CONFIRMED,
        {"capital"},
        None,
    )
