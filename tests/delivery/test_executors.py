"""The embedded executor: sender threads and the reaper as background services."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from newsletter.delivery.executors import delivery_services
from newsletter.delivery.executors.embedded import SenderThread
from newsletter.delivery.process import sender_process
from newsletter.delivery.reaper import ReaperService
from newsletter.models import Campaign, CampaignStatus
from newsletter.runtime import _run_in_context
from tests.delivery.sending import (
    ScriptedTransport,
    numbered_readers,
    started_campaign,
    use_transport,
)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "sender_threads": 3}


def test_the_embedded_executor_runs_sender_threads_and_the_reaper(app: Flask) -> None:
    services = delivery_services(app)
    assert [s.name for s in services] == ["reaper", "sender-1", "sender-2", "sender-3"]
    assert isinstance(services[0], ReaperService)


def test_celery_mode_runs_the_dispatcher_instead_of_threads(app_config: dict[str, Any]) -> None:
    from newsletter.app import create_app

    other = create_app(
        {**app_config, "executor": "celery", "redis_url": "redis://127.0.0.1:6379/0"}
    )
    assert [s.name for s in delivery_services(other)] == ["reaper", "celery-dispatcher"]


def test_sender_threads_send_a_started_campaign_to_the_end(app: Flask, session: Session) -> None:
    transport = ScriptedTransport()
    use_transport(app, transport)
    campaign = started_campaign(session, numbered_readers(80))
    stop = threading.Event()
    threads = [
        threading.Thread(target=_run_in_context, args=(app, SenderThread(n), stop))
        for n in (1, 2, 3)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            session.expire_all()
            if session.get_one(Campaign, campaign.id).status is CampaignStatus.SENT:
                break
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert session.get_one(Campaign, campaign.id).status is CampaignStatus.SENT
    assert len(transport.parsed()) == 80


def test_the_threads_of_a_sending_process_share_one_transport(app: Flask) -> None:
    """One transport per process: SES would otherwise give each thread its own boto3 session."""
    process = sender_process(app)
    seen: list[object] = []
    lock = threading.Lock()

    def take() -> None:
        transport = process.transport()
        with lock:
            seen.append(transport)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4
    assert len({id(transport) for transport in seen}) == 1
