"""A real Celery worker, on the Redis of the machine, sends a campaign through send_batch."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from newsletter.delivery.executors import celery_app
from newsletter.models import Campaign, CampaignStatus
from tests.delivery.conftest import REDIS_URL
from tests.delivery.sending import numbered_readers, started_campaign
from tests.delivery.workers import (
    outbox_recipients,
    start_process,
    stop_process,
    wait_for_line,
    worker_environment,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def app_config(app_config: dict[str, Any], redis_client: Any) -> dict[str, Any]:
    """Celery on the machine's Redis, on a queue of this test's own."""
    return {
        **app_config,
        "executor": "celery",
        "redis_url": REDIS_URL,
        "celery_queue": f"newsletter-test-{uuid.uuid4().hex[:10]}",
        "max_send_rate": 500,
        "sender_threads": 2,
    }


@pytest.fixture
def celery_worker(app_config: dict[str, Any], tmp_path: Path, redis_client: Any) -> Iterator[Path]:
    """``celery -A newsletter.delivery.executors.celery_app worker`` with two processes."""
    log = tmp_path / "celery.log"
    process = start_process(
        ["-m", "celery", "-A", "newsletter.delivery.executors.celery_app", "worker",
         "-Q", app_config["celery_queue"], "-c", "2", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        worker_environment(app_config),
        log,
    )  # fmt: skip
    try:
        wait_for_line(log, "ready.", process, 60)
        yield log
    finally:
        stop_process(process)
        for key in redis_client.scan_iter(f"newsletter:chains:{app_config['celery_queue']}:*"):
            redis_client.delete(key)
        redis_client.delete(app_config["celery_queue"])


def test_a_celery_worker_sends_each_reader_exactly_one_message(
    app: Flask, session: Session, celery_worker: Path, app_config: dict[str, Any]
) -> None:
    campaign = started_campaign(session, numbered_readers(60, ["capital"]))
    settings = app.config["NEWSLETTER"]
    celery_app.app.use_settings(settings)
    chains = celery_app.chains_for(settings)
    started = 0
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        started += celery_app.dispatch_once(settings, chains)
        session.expire_all()
        if session.get_one(Campaign, campaign.id).status is CampaignStatus.SENT:
            break
        time.sleep(0.5)
    done = session.get_one(Campaign, campaign.id)
    assert done.status is CampaignStatus.SENT, celery_worker.read_text()[-3000:]
    assert started >= 1
    assert "newsletter.send_batch" in celery_worker.read_text()
    received = outbox_recipients(Path(app_config["outbox_dir"]))
    assert received == {f"reader{n}@example.org": 1 for n in range(60)}
    assert done.sent_count == 60
