"""The signup page, the embeddable form and the confirmation page, as readers use them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import ConsentMethod, Subscriber, SubscriberStatus
from tests.conftest import csrf_token
from tests.factories import make_subscriber
from tests.subscriptions.helpers import only_link, outbox_messages, snapshot

GOOD = {"email": "Li.Wei@Example.ORG", "topics": ["capital", "research"], "consent": "y"}


def reader(session: Session, email: str = "li.wei@example.org") -> Subscriber:
    session.expire_all()
    found = session.scalar(select(Subscriber).where(Subscriber.email == email))
    assert found is not None
    return found


def test_the_signup_page_is_chinese_with_an_english_switch(client: FlaskClient) -> None:
    page = client.get("/subscribe").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "?lang=en" in page
    assert 'value="capital"' in page
    assert 'name="website"' in page
    english = client.get("/subscribe?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english
    assert "Subscribe to the AI Frontier Daily" in english


def test_signing_up_sends_a_confirmation_and_confirming_needs_a_post(
    client: FlaskClient, session: Session, app_config: dict[str, Any]
) -> None:
    response = client.post("/subscribe", data=GOOD)
    assert response.status_code == 200
    assert reader(session).status is SubscriberStatus.PENDING
    [message] = outbox_messages(app_config["outbox_dir"])
    assert message["To"] == "li.wei@example.org"
    link = only_link(app_config["outbox_dir"], "confirm")

    page = client.get(link)
    assert page.status_code == 200
    assert reader(session).status is SubscriberStatus.PENDING  # a GET never confirms

    token = csrf_token(page.get_data(as_text=True))
    done = client.post(link, data={"csrf_token": token})
    assert done.status_code == 200
    confirmed = reader(session)
    assert confirmed.status is SubscriberStatus.CONFIRMED
    assert confirmed.consent_method is ConsentMethod.SIGNUP_FORM
    assert confirmed.consent_form == "signup page"
    assert confirmed.consent_ip == "127.0.0.0/24"
    assert "/p/" in done.get_data(as_text=True)


def test_the_answer_is_the_same_whether_or_not_the_address_is_known(
    client: FlaskClient, session: Session, app_config: dict[str, Any]
) -> None:
    make_subscriber(session, "known@example.org", ["compute"])
    session.commit()
    known = client.post("/subscribe", data={**GOOD, "email": "known@example.org"})
    new = client.post("/subscribe", data={**GOOD, "email": "new@example.org"})
    assert known.status_code == new.status_code == 200
    assert known.get_data() == new.get_data()
    emails = {m["To"]: m for m in outbox_messages(app_config["outbox_dir"])}
    assert set(emails) == {"known@example.org", "new@example.org"}
    assert only_link(app_config["outbox_dir"], "confirm")
    assert reader(session, "known@example.org").topic_slugs() == {"compute"}


def test_the_honeypot_is_answered_like_a_person_and_stores_nothing(
    client: FlaskClient, session: Session, app_config: dict[str, Any]
) -> None:
    before = snapshot(session)
    response = client.post("/subscribe", data={**GOOD, "website": "http://spam.example"})
    assert response.status_code == 200
    assert "Check your inbox" in client.post(
        "/subscribe?lang=en", data={**GOOD, "website": "x"}
    ).get_data(as_text=True)
    assert snapshot(session) == before
    assert outbox_messages(app_config["outbox_dir"]) == []


def test_the_embeddable_form_posts_from_another_site_without_a_csrf_token(
    client: FlaskClient, session: Session
) -> None:
    snippet = client.get("/subscribe/embed?lang=en").get_data(as_text=True)
    assert "https://news.example.org/subscribe" in snippet
    assert "&lt;form" in snippet  # shown as code to copy
    response = client.post(
        "/subscribe",
        data={**GOOD, "source": "embed", "locale": "en"},
        headers={"Origin": "https://partner.example", "Referer": "https://partner.example/blog"},
    )
    assert response.status_code == 200
    stored = reader(session)
    assert stored.consent_method is ConsentMethod.EMBEDDED_FORM
    assert stored.consent_form == "embedded form on partner.example"
    assert stored.locale == "en"


@pytest.fixture
def tight_limits(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["signup_limit_per_ip"] = "3 per hour"
    app_config["signup_limit_per_address"] = "2 per hour"
    return app_config


def test_one_address_is_limited_whoever_asks_and_however_it_is_spelt(
    tight_limits: dict[str, Any], client: FlaskClient
) -> None:
    spellings = ["li@example.org", "LI@EXAMPLE.ORG", " li@Example.org "]
    codes = [
        client.post(
            "/subscribe", data={**GOOD, "email": email}, environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}
        ).status_code
        for i, email in enumerate(spellings)
    ]
    assert codes == [200, 200, 429]


def test_one_client_is_limited_across_addresses(
    tight_limits: dict[str, Any], client: FlaskClient, app: Flask
) -> None:
    codes = [
        client.post("/subscribe", data={**GOOD, "email": f"r{i}@example.org"}).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    page = client.post("/subscribe?lang=en", data=GOOD)
    assert "Too many signup attempts from here or for this address" in page.get_data(as_text=True)
    assert page.headers["Retry-After"]


@pytest.fixture
def redis_limits(app_config: dict[str, Any]) -> Iterator[Any]:
    """Limits kept in the Redis at 127.0.0.1:6379 (a failure, not a skip, when it is down)."""
    server = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        server.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at 127.0.0.1:6379 is not reachable: {exc}")
    app_config.update(redis_url="redis://127.0.0.1:6379/0", signup_limit_per_ip="1 per hour")
    yield server
    server.close()


def test_the_limits_are_kept_in_redis_when_it_is_configured(
    redis_limits: Any, client: FlaskClient
) -> None:
    # An address and a client of their own keep parallel runs sharing this Redis apart.
    unique = f"{random.randrange(1 << 16):x}:{random.randrange(1 << 16):x}"
    client_ip = f"fd00::{unique}"
    # Refused as an address, so nothing is stored; the hit counts all the same.
    data = {**GOOD, "email": f"not an address {unique}"}
    replies = [
        client.post("/subscribe", data=data, environ_base={"REMOTE_ADDR": client_ip}).status_code
        for _ in range(2)
    ]
    keys = redis_limits.keys(f"*{unique}*")
    if keys:
        redis_limits.delete(*keys)
    assert replies == [422, 429]
    assert keys, "the counter is not in Redis"
