"""Pacing: slots at the account's rate, slowing down on throttling, shared through Redis,
and the 24-hour quota counted from the ledger."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from sqlalchemy.orm import Session

from newsletter.delivery.pacing import (
    RECOVERY_SECONDS,
    Limits,
    LocalPacer,
    RedisPacer,
    quota_frees_at,
    quota_left,
    sleep_for_slot,
)
from newsletter.models import DeliveryState
from newsletter.models.base import utcnow
from tests.factories import make_campaign, make_delivery, make_subscriber


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def send_times(pacer: LocalPacer, clock: FakeClock, count: int) -> list[float]:
    """When each of ``count`` messages goes out, each sent in its slot once admitted."""
    times = []
    for _ in range(count):
        clock.now += max(pacer.reserve(), 0)
        while (wait := pacer.admit()) > 0:
            clock.now += wait
        times.append(clock.now)
    return times


def most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_slots_keep_to_the_rate_in_every_second() -> None:
    clock = FakeClock()
    pacer = LocalPacer(200, clock)
    times = send_times(pacer, clock, 1000)
    assert most_in_one_second(times) <= 200
    assert 999 / 200 <= times[-1] - times[0] <= 999 / 200 * 1.03


def test_an_idle_pacer_does_not_save_up_slots() -> None:
    clock = FakeClock()
    pacer = LocalPacer(10, clock)
    send_times(pacer, clock, 5)
    clock.now += 60
    assert most_in_one_second(send_times(pacer, clock, 30)) <= 10


def test_throttling_halves_the_rate_then_it_recovers() -> None:
    clock = FakeClock()
    pacer = LocalPacer(100, clock)
    send_times(pacer, clock, 10)
    pacer.slow_down()
    gaps = [pacer.reserve() for _ in range(3)]
    # quiet for one slot, then slots twice as far apart as before
    assert gaps[0] > 0
    assert abs((gaps[2] - gaps[1]) - 2 / 100) < 1e-5
    clock.now += RECOVERY_SECONDS + 10
    assert abs(_gap(pacer) - 1 / 100) < 1e-5


def _gap(pacer: LocalPacer) -> float:
    """The spacing of slots once the pacer's catch-up allowance is used."""
    waits = [pacer.reserve() for _ in range(30)]
    return (waits[-1] - waits[-11]) / 10


def send_in_threads(pacers: list[Any], per_thread: int) -> tuple[list[float], float]:
    """Each pacer's thread sends ``per_thread`` messages in its slots: when, and how long."""
    sent: list[float] = []
    lock = threading.Lock()

    def send(pacer: Any) -> None:
        for _ in range(per_thread):
            sleep_for_slot(pacer)
            with lock:
                sent.append(time.monotonic())

    threads = [threading.Thread(target=send, args=(pacer,)) for pacer in pacers]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sent, time.monotonic() - started


def test_threads_of_one_process_share_the_rate() -> None:
    pacer = LocalPacer(100)
    sent, took = send_in_threads([pacer] * 4, 25)
    assert len(sent) == 100
    assert took >= 0.99 - 0.05  # a full second, less the allowed catch-up at the start
    # admitted at most 100 a second; the note is taken just after, one may slip in late
    assert most_in_one_second(sent) <= 101


def test_a_stopped_wait_reports_it() -> None:
    pacer = LocalPacer(0.5)
    pacer.reserve()
    stop = threading.Event()
    stop.set()
    assert sleep_for_slot(pacer, stop) is False


def test_processes_share_one_rate_through_redis(redis_client: Any, redis_key: str) -> None:
    # Two pacers on one key stand for two processes; together they keep to the rate.
    pacers = [RedisPacer(redis_client, 50, key=redis_key) for _ in range(2)]
    sent, took = send_in_threads(pacers * 2, 30)
    assert len(sent) == 120
    assert took >= 119 / 50 - 0.05
    # admitted at most 50 a second; the note is taken just after, one may slip in late
    assert most_in_one_second(sent) <= 51


def test_throttling_seen_by_one_process_slows_the_others(redis_client: Any, redis_key: str) -> None:
    one, other = (RedisPacer(redis_client, 100, key=redis_key) for _ in range(2))
    one.reserve()
    one.slow_down()
    started = time.monotonic()
    first = other.reserve()
    second = other.reserve()
    between = time.monotonic() - started  # the two waits are measured this far apart at most
    assert 2 / 100 - between - 0.001 <= second - first <= 2 / 100 + 0.001


def test_without_redis_a_process_paces_alone_at_a_share() -> None:
    class Broken:
        def register_script(self, _source: str) -> Any:
            def call(**_kwargs: Any) -> Any:
                raise ConnectionError("redis is down")

            return call

    pacer = RedisPacer(Broken(), 100)
    waits = [pacer.reserve() for _ in range(30)]
    assert abs((waits[-1] - waits[-11]) / 10 - 1 / 50) < 0.003


def test_the_quota_left_counts_the_ledger_and_the_providers_count(session: Session) -> None:
    campaign = make_campaign(session)
    now = utcnow()
    for index in range(3):
        reader = make_subscriber(session, f"r{index}@example.org")
        make_delivery(
            session, campaign, reader, state=DeliveryState.SENT,
            sent_at=now - dt.timedelta(hours=30 - index * 10),
        )  # fmt: skip
    # sent 30 h, 20 h and 10 h ago: two are inside the window
    assert quota_left(session, Limits(14, 10, None, "configured"), now).left == 8
    assert quota_left(session, Limits(14, 10, 5, "ses"), now).left == 5
    assert quota_left(session, Limits(14, None, None, "configured"), now).left is None
    assert quota_frees_at(session, now, 1) == now + dt.timedelta(hours=4)
    assert quota_frees_at(session, now, 2) == now + dt.timedelta(hours=14)
    assert quota_frees_at(session, now, 3) == now + dt.timedelta(hours=14)
    assert quota_frees_at(session, now + dt.timedelta(hours=15), 1) == now + dt.timedelta(hours=16)
