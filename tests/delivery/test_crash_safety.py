"""Crash safety: a ``newsletter worker`` killed with SIGKILL at random moments of a
5,000-reader campaign, twenty times.

After each kill the reaper marks what the dead worker held as in doubt; a new worker goes
on. At the end no reader has two messages, every row is in one state an operator sees, and
no row whose reader already has a message is ever queued again.

``NEWSLETTER_CRASH_KILLS`` and ``NEWSLETTER_CRASH_READERS`` change the kills and readers.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.delivery.reaper import reap
from newsletter.models import Campaign, CampaignStatus, Delivery, DeliveryState, Subscriber
from newsletter.models.base import utcnow
from tests.delivery.sending import numbered_readers, started_campaign
from tests.delivery.workers import (
    outbox_recipients,
    start_process,
    stop_process,
    wait_for_line,
    worker_environment,
)

pytestmark = pytest.mark.slow
KILLS = int(os.environ.get("NEWSLETTER_CRASH_KILLS", "20"))
READERS = int(os.environ.get("NEWSLETTER_CRASH_READERS", "5000"))
LEASE = dt.timedelta(seconds=60)


SENDER_THREADS = 3
BATCH_SIZE = 20
#: The most rows a killed worker can hold: each of its threads' claim.
HELD_AT_MOST = SENDER_THREADS * BATCH_SIZE


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # Claims as small as a slow account's, so that twenty kills leave most of the campaign
    # for the workers after them rather than all of it in doubt.
    return {**app_config, "max_send_rate": 400, "sender_threads": SENDER_THREADS,
            "batch_size": BATCH_SIZE}  # fmt: skip


def ledger(session: Session, campaign_id: int) -> dict[str, DeliveryState]:
    """Reader address -> row state."""
    session.expire_all()
    rows = session.execute(
        select(Subscriber.email, Delivery.state)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.campaign_id == campaign_id)
    )
    return {row.email: row.state for row in rows}


def check_invariants(session: Session, campaign_id: int, outbox: Path) -> Counter[str]:
    """No reader twice, no row lost, and no reader with a message has a row to send again."""
    received = outbox_recipients(outbox)
    assert max(received.values(), default=1) == 1, received.most_common(3)
    states = ledger(session, campaign_id)
    assert len(states) == READERS
    for address, state in states.items():
        if state is DeliveryState.SENT:
            assert received[address] == 1, f"{address} is sent but has no message"
        if address in received:
            assert state in (DeliveryState.SENT, DeliveryState.IN_DOUBT, DeliveryState.SENDING), (
                f"{address} has a message but its row is {state}"
            )
    return Counter(str(state) for state in states.values())


def messages_in(outbox: Path) -> int:
    """Messages in the outbox so far (counted, not parsed: this is polled)."""
    return sum(1 for _ in outbox.rglob("*.eml"))


def run_worker(app_config: dict[str, Any], log: Path) -> Any:
    process = start_process(
        ["-c", "from newsletter.cli import main; main()", "worker"],
        worker_environment(app_config),
        log,
    )
    wait_for_line(log, "worker running", process, 60)
    return process


def test_sigkilled_workers_never_send_a_reader_twice_nor_lose_a_row(
    session: Session, app_config: dict[str, Any], tmp_path: Path
) -> None:
    campaign = started_campaign(session, numbered_readers(READERS, ["capital"]))
    outbox = Path(app_config["outbox_dir"])
    rng = random.Random()
    in_doubt = 0
    # Each worker sends a random share of what a kill may take before it dies.
    per_kill = READERS // (KILLS + 2)
    for round_number in range(1, KILLS + 1):
        log = tmp_path / f"worker{round_number}.log"
        process = run_worker(app_config, log)
        target = messages_in(outbox) + rng.randint(per_kill // 4, per_kill)
        deadline = time.monotonic() + 60
        while messages_in(outbox) < target and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        counts = check_invariants(session, campaign.id, outbox)
        assert counts["sent"] < READERS, "the worker finished before it could be killed"
        reaped = reap(session, LEASE, now=utcnow() + LEASE + dt.timedelta(seconds=1))
        session.commit()
        assert reaped <= HELD_AT_MOST, "a killed worker held more rows than its claims"
        in_doubt += reaped
        counts = check_invariants(session, campaign.id, outbox)
        assert counts["sending"] == 0
        assert counts["in_doubt"] == in_doubt
    final = run_worker(app_config, tmp_path / "worker-last.log")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            session.expire_all()
            if session.get_one(Campaign, campaign.id).status is CampaignStatus.SENT:
                break
            time.sleep(0.5)
    finally:
        stop_process(final)
    counts = check_invariants(session, campaign.id, outbox)
    assert session.get_one(Campaign, campaign.id).status is CampaignStatus.SENT
    assert set(counts) <= {"sent", "in_doubt"}
    assert counts["in_doubt"] == in_doubt
    assert counts["sent"] >= READERS - KILLS * HELD_AT_MOST
    # In-doubt rows wait for an operator, visible with their reason.
    reasons = session.scalars(
        select(Delivery.last_error).where(Delivery.state == DeliveryState.IN_DOUBT)
    ).all()
    assert all("stopped before recording" in (reason or "") for reason in reasons)
    # Every message in the outbox belongs to a sent row or to a row in doubt.
    received = outbox_recipients(outbox)
    states = ledger(session, campaign.id)
    doubted_with_message = sum(
        1 for address in received if states[address] is DeliveryState.IN_DOUBT
    )
    assert sum(received.values()) == counts["sent"] + doubted_with_message
    print(f"in doubt after {KILLS} kills: {in_doubt} ({doubted_with_message} had been sent)")


def test_a_worker_stopped_with_sigterm_gives_back_what_it_did_not_send(
    session: Session, app_config: dict[str, Any], tmp_path: Path
) -> None:
    campaign = started_campaign(session, numbered_readers(READERS, ["capital"]))
    outbox = Path(app_config["outbox_dir"])
    process = run_worker(app_config, tmp_path / "worker.log")
    deadline = time.monotonic() + 60
    while messages_in(outbox) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    counts = check_invariants(session, campaign.id, outbox)
    assert counts["sent"] < READERS, "the worker finished before it was stopped"
    assert set(counts) <= {"sent", "queued"}  # nothing left sending, nothing in doubt
    assert counts["sent"] == messages_in(outbox)
