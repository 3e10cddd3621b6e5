"""/metrics: what Prometheus reads, and who may read it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from newsletter.metrics import hooks, rollup
from newsletter.models import CampaignStatus, DeliveryState, Lease
from newsletter.models.base import utcnow
from tests.factories import make_campaign, make_delivery
from tests.metrics.conftest import KnownCampaign

TOKEN = "scrape-token-0123456789abcdef"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, keyed by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(
    client: FlaskClient, **headers: str
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


def test_loopback_clients_may_scrape_when_no_token_is_set(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 200


def test_other_clients_are_refused_when_no_token_is_set(client: FlaskClient) -> None:
    remote = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 403
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403


@pytest.fixture
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    if "a_token_is_required" in request.node.name:
        return app_config | {"metrics_token": TOKEN}
    return app_config


def test_a_token_is_required_when_one_is_set(client: FlaskClient) -> None:
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = client.get(
        "/metrics",
        headers={"Authorization": f"Bearer {TOKEN}"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert right.status_code == 200


def test_messages_events_and_queue_come_from_the_database(
    client: FlaskClient, session: Session, known: KnownCampaign
) -> None:
    rollup.roll_up_all_events(session)
    flying = make_campaign(session, status=CampaignStatus.SENDING, recipients_count=5, sent_count=1)
    for state in ("sent", "queued", "queued", "deferred", "in_doubt"):
        make_delivery(session, flying, state=DeliveryState(state))
    session.commit()

    found = scrape(client)

    assert found[("newsletter_messages_total", (("outcome", "sent"),))] == 8
    assert found[("newsletter_messages_total", (("outcome", "failed"),))] == 1
    assert found[("newsletter_events_total", (("machine", "false"), ("type", "open")))] == 4
    assert found[("newsletter_events_total", (("machine", "true"), ("type", "click")))] == 1
    assert found[("newsletter_events_total", (("machine", "false"), ("type", "bounce_hard")))] == 1
    assert found[("newsletter_queue_depth", (("state", "queued"),))] == 2
    assert found[("newsletter_queue_depth", (("state", "deferred"),))] == 1
    assert found[("newsletter_queue_depth", (("state", "in_doubt"),))] == 1
    assert found[("newsletter_rollup_lag_events", ())] == 0
    assert found[("newsletter_metrics_database_up", ())] == 1


def test_the_scheduler_lease_and_workers_are_reported(
    client: FlaskClient, session: Session
) -> None:
    soon, gone = utcnow() + dt.timedelta(seconds=20), utcnow() - dt.timedelta(seconds=5)
    session.add_all([
        Lease(name="scheduler", holder="host-1-abc", expires_at=soon),
        Lease(name="worker:host-1-abc", holder="host-1-abc", expires_at=soon),
        Lease(name="worker:host-2-def", holder="host-2-def", expires_at=gone),
    ])  # fmt: skip
    session.commit()

    found = scrape(client)

    remaining = found[("newsletter_scheduler_lease_remaining_seconds", (("holder", "host-1-abc"),))]
    assert 15 < remaining <= 20
    assert found[("newsletter_workers_alive", ())] == 1


def test_the_senders_hooks_feed_latency_and_outcomes(app: Flask, client: FlaskClient) -> None:
    hooks.record_send("sent", 0.04, transport="ses")
    hooks.record_send("sent", 0.3, transport="ses")
    hooks.record_send("throttled")
    hooks.record_scheduler_tick("host-1-abc")

    found = scrape(client)

    assert found[("newsletter_sender_messages_total", (("outcome", "sent"),))] == 2
    assert found[("newsletter_sender_messages_total", (("outcome", "throttled"),))] == 1
    assert found[("newsletter_send_latency_seconds_count", (("transport", "ses"),))] == 2
    bucket = (("le", "0.05"), ("transport", "ses"))
    assert found[("newsletter_send_latency_seconds_bucket", bucket)] == 1
    assert found[("newsletter_scheduler_last_tick_timestamp_seconds", ())] > 0


def test_each_app_has_its_own_registry(app: Flask, app_config: dict[str, Any]) -> None:
    from newsletter.app import create_app

    hooks.record_send("sent", 0.01)
    other = create_app(app_config)
    with other.test_client() as fresh:
        found = scrape(fresh)
    assert ("newsletter_sender_messages_total", (("outcome", "sent"),)) not in found


def test_hooks_outside_an_app_do_nothing() -> None:
    hooks.record_send("sent", 0.01)  # no application context: must not raise
    hooks.record_scheduler_tick()


def test_a_worker_serves_its_own_metrics_where_configured(
    app: Flask, app_config: dict[str, Any]
) -> None:
    import threading
    import urllib.request

    from newsletter.app import create_app
    from newsletter.metrics.exporter import exporter_services

    worker = create_app(app_config | {"metrics_worker_listen": "127.0.0.1:0"})
    (exporter,) = exporter_services(worker)
    stop = threading.Event()
    thread = threading.Thread(target=exporter.run, args=(stop,))
    thread.start()
    try:
        assert exporter.bound.wait(5)
        with worker.app_context():
            hooks.record_send("sent", 0.02, transport="outbox")
        url = f"http://127.0.0.1:{exporter.port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            found = samples(response.read().decode())
    finally:
        stop.set()
        thread.join(timeout=10)
    assert found[("newsletter_sender_messages_total", (("outcome", "sent"),))] == 1
    assert exporter_services(app) == []  # not configured: no exporter
