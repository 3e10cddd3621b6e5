"""The per-process buffer: batches written by its thread, nothing lost on a failed write or
at close, bounded while the database is away."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from newsletter.models import EventType, utcnow
from newsletter.tracking.buffer import BATCH, EventBuffer, close_all_buffers
from newsletter.tracking.hits import Hit


def _hit(n: int) -> Hit:
    return Hit(EventType.OPEN, n, utcnow(), None, None)


class Sink:
    """Collects written batches; fails the first ``failures`` writes."""

    def __init__(self, failures: int = 0) -> None:
        self.batches: list[list[int]] = []
        self.failures = failures
        self.written = threading.Event()

    def __call__(self, hits: Sequence[Hit]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database is down")
        self.batches.append([hit.delivery_id for hit in hits])
        self.written.set()

    @property
    def ids(self) -> list[int]:
        return [i for batch in self.batches for i in batch]


def test_the_thread_writes_hits_in_order_within_the_interval() -> None:
    sink = Sink()
    buffer = EventBuffer(sink, interval=0.05, capacity=100)
    for n in range(10):
        assert buffer.add(_hit(n))
    assert sink.written.wait(2)
    buffer.close()
    assert sink.ids == list(range(10))


def test_large_backlogs_are_written_in_batches() -> None:
    sink = Sink()
    buffer = EventBuffer(sink, interval=60, capacity=10 * BATCH, autostart=False)
    for n in range(2 * BATCH + 5):
        buffer.add(_hit(n))
    assert buffer.flush() == 2 * BATCH + 5
    assert [len(batch) for batch in sink.batches] == [BATCH, BATCH, 5]


def test_a_failed_write_keeps_the_hits_for_the_next_attempt() -> None:
    sink = Sink(failures=1)
    buffer = EventBuffer(sink, interval=60, capacity=100, autostart=False)
    buffer.add(_hit(1))
    with pytest.raises(ConnectionError):
        buffer.flush()
    buffer.add(_hit(2))
    assert buffer.pending == 2
    assert buffer.flush() == 2
    assert sink.ids == [1, 2]


def test_the_thread_retries_after_the_database_comes_back() -> None:
    sink = Sink(failures=2)
    buffer = EventBuffer(sink, interval=0.02, capacity=100)
    buffer.add(_hit(7))
    assert sink.written.wait(5)
    assert sink.ids == [7]
    buffer.close()


def test_a_full_buffer_drops_and_counts_instead_of_growing() -> None:
    buffer = EventBuffer(Sink(), interval=60, capacity=3, autostart=False)
    accepted = [buffer.add(_hit(n)) for n in range(5)]
    assert accepted == [True, True, True, False, False]
    assert buffer.dropped == 2


def test_closing_writes_everything_left_and_refuses_more() -> None:
    sink = Sink()
    buffer = EventBuffer(sink, interval=60, capacity=100)
    for n in range(5):
        buffer.add(_hit(n))
    buffer.close()
    assert sink.ids == list(range(5))
    assert buffer.add(_hit(9)) is False
    buffer.close()  # a second close (atexit after worker_exit) is harmless


def test_closing_retries_a_failing_database_before_giving_up() -> None:
    sink = Sink(failures=1)
    buffer = EventBuffer(sink, interval=60, capacity=100, autostart=False)
    buffer.add(_hit(3))
    started = time.monotonic()
    buffer.close(timeout=5)
    assert sink.ids == [3]
    assert time.monotonic() - started < 5


def test_the_exit_hook_closes_every_live_buffer() -> None:
    sinks = [Sink(), Sink()]
    buffers = [EventBuffer(sink, interval=60, capacity=10) for sink in sinks]
    for n, buffer in enumerate(buffers):
        buffer.add(_hit(n))
    close_all_buffers()
    assert [sink.ids for sink in sinks] == [[0], [1]]
