"""Sending readers' system emails off the request path.

SES or an SMTP relay can take seconds to answer, and tens of seconds to time out; a signup
page must not wait for that, and how long it takes must not depend on whether the address is
known. One daemon thread per process takes the emails from a queue and sends them with a
transport of its own, in a session of its own. When sending fails, or the database stays
down past a few tries (see :mod:`.mailer`), the reader's resend throttle is cleared so that
asking again sends at once, and the failure is logged.

Emails still queued when the process stops are lost; the reader asks again. The local outbox
is written directly, in the request, since a file write is instant.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from newsletter.delivery.transports import Transport

log = logging.getLogger(__name__)
QUEUE_LIMIT = 1000
_EXTENSION_KEY = "newsletter.reader_mail_dispatcher"


@dataclass(frozen=True)
class MailJob:
    """One email to one reader: which kind, to whom."""

    kind: str
    subscriber_id: int


#: Sends one job; gets the transport through the callable, which creates it on first use.
Deliver = Callable[[Callable[[], Transport], MailJob], None]


class MailDispatcher:
    """A queue and the thread that empties it."""

    def __init__(self, app: Flask, transport: Callable[[], Transport], deliver: Deliver) -> None:
        self.app = app
        self._make_transport = transport
        self._deliver = deliver
        self._queue: queue.Queue[MailJob] = queue.Queue(maxsize=QUEUE_LIMIT)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._transport: Transport | None = None

    def submit(self, job: MailJob) -> bool:
        """Queue ``job``; False when the queue is full (the provider is down for long)."""
        self._ensure_thread()
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            log.error("reader mail queue full: %s for reader %s", job.kind, job.subscriber_id)
            return False
        return True

    def wait(self) -> None:
        """Block until every queued email has been handled (tests, orderly shutdown)."""
        self._queue.join()

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="reader-mail", daemon=True)
                self._thread.start()

    def transport(self) -> Transport:
        """The thread's transport, created on first use (so a provider that cannot be set up
        fails each email, which is logged and lets the reader ask again, not the thread)."""
        if self._transport is None:
            self._transport = self._make_transport()
        return self._transport

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                with self.app.app_context():
                    self._deliver(self.transport, job)
            except Exception:
                log.exception("sending %s to reader %s failed", job.kind, job.subscriber_id)
            finally:
                self._queue.task_done()


def dispatcher_for(
    app: Flask, transport: Callable[[], Transport], deliver: Deliver
) -> MailDispatcher:
    """The app's dispatcher, created on first use."""
    existing: MailDispatcher | None = app.extensions.get(_EXTENSION_KEY)
    if existing is None:
        existing = MailDispatcher(app, transport, deliver)
        app.extensions[_EXTENSION_KEY] = existing
    return existing
