"""The per-process buffer between the tracking endpoints and the database.

The pixel and the redirect answer at once and append a hit here; a background thread writes
the hits in batches every ``NEWSLETTER_TRACKING_FLUSH_SECONDS`` (sooner once a batch is full).
This is what lets one process answer thousands of pixels a second: one INSERT of a thousand
rows costs about what one single-row INSERT and COMMIT cost.

What can be lost, honestly: hits accepted in the last flush interval (about a second) when
the process dies without running its exit hooks (SIGKILL, OOM killer, power loss). A graceful
stop (SIGTERM to gunicorn, Ctrl-C, ``max_requests`` recycling) writes everything first,
through gunicorn's ``worker_exit`` hook (see ``gunicorn.conf.py``) and ``atexit``. While the
database is down hits are kept, up to ``NEWSLETTER_TRACKING_BUFFER_SIZE``; beyond that new
hits are dropped and counted in the log rather than letting memory grow without bound.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence

from newsletter.tracking.hits import Hit

log = logging.getLogger(__name__)
BATCH = 2000  # hits per transaction
_live: weakref.WeakSet[EventBuffer] = weakref.WeakSet()


class EventBuffer:
    """A bounded list of hits written by ``write`` from a background thread."""

    def __init__(
        self,
        write: Callable[[Sequence[Hit]], object],
        *,
        interval: float,
        capacity: int,
        autostart: bool = True,
    ) -> None:
        self._write = write
        self._interval = interval
        self._capacity = capacity
        self._autostart = autostart
        self._reset_after_fork()
        self.written = 0
        _live.add(self)
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _call(ref, "_reset_after_fork"))
        atexit.register(_call, ref, "close")

    def _reset_after_fork(self) -> None:
        # A forked child (a gunicorn worker) inherits no thread and must not inherit locks.
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._pending: list[Hit] = []
        self._thread: threading.Thread | None = None
        self._closed = False
        self.dropped = 0
        self._last_drop_log = 0.0

    def add(self, hit: Hit) -> bool:
        """Queue one hit; False (and counted) when the buffer is full or closed."""
        full_batch = False
        with self._lock:
            if self._closed or len(self._pending) >= self._capacity:
                self.dropped += 1
                accepted = False
            else:
                self._pending.append(hit)
                accepted = True
                full_batch = len(self._pending) >= BATCH
        if not accepted:
            self._log_drop()
            return False
        if self._autostart and self._thread is None:
            self._start()
        if full_batch:
            self._wake.set()
        return True

    @property
    def pending(self) -> int:
        """Hits not yet written."""
        return len(self._pending)

    def flush(self) -> int:
        """Write every pending hit now; returns how many were written.

        On a database error the hits go back to the front of the buffer and the error is
        raised, so nothing is lost by a failed attempt.
        """
        written = 0
        with self._flush_lock:
            while True:
                with self._lock:
                    batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
                if not batch:
                    return written
                try:
                    self._write(batch)
                except BaseException:
                    with self._lock:
                        self._pending[:0] = batch
                    raise
                written += len(batch)
                self.written += len(batch)

    def close(self, timeout: float = 20.0) -> None:
        """Stop the thread and write what is left (called at exit; safe to call twice)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        deadline = time.monotonic() + timeout
        while self._pending:
            try:
                self.flush()
            except Exception:
                if time.monotonic() > deadline:
                    log.exception("tracking: %d opens/clicks lost at shutdown", self.pending)
                    return
                time.sleep(0.5)

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(target=self._run, name="tracking-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            # Back off while the database fails, up to half a minute between attempts.
            self._wake.wait(min(self._interval * (2**failures), 30.0))
            self._wake.clear()
            try:
                self.flush()
                failures = 0
            except Exception:
                failures = min(failures + 1, 6)
                log.exception("tracking: writing %d opens/clicks failed; retrying", self.pending)

    def _log_drop(self) -> None:
        now = time.monotonic()
        if now - self._last_drop_log > 10:
            self._last_drop_log = now
            log.error(
                "tracking: buffer full (%d hits waiting for the database); %d dropped so far",
                self._capacity,
                self.dropped,
            )


def _call(ref: weakref.ref[EventBuffer], method: str) -> None:
    buffer = ref()
    if buffer is not None:
        getattr(buffer, method)()


def close_all_buffers() -> None:
    """Write and close every buffer of this process (gunicorn's ``worker_exit`` hook)."""
    for buffer in list(_live):
        buffer.close()
