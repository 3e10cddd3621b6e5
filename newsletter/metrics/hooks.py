"""What other parts of the app call to be measured: the sender and the scheduler.

Each app has its own Prometheus registry (see :mod:`newsletter.metrics.prometheus`); these
functions find it through the current application context, which every request, service
thread and job has. Outside one they do nothing, so domain code can call them freely.
"""

from __future__ import annotations

import time

from flask import current_app, has_app_context
from prometheus_client import Counter, Histogram

from newsletter.metrics.prometheus import EXTENSION_KEY, AppMetrics

#: Outcomes the sender reports, one per message handed (or not) to the transport.
OUTCOMES = ("sent", "failed", "deferred", "throttled", "in_doubt", "skipped")


def _metrics() -> AppMetrics | None:
    if not has_app_context():
        return None
    found: AppMetrics | None = current_app.extensions.get(EXTENSION_KEY)
    return found


class SendMeter:
    """Counts a sender's messages by outcome and times its transport calls.

    The metric children are looked up once, when the meter is made (a batch makes one), and
    not for each of its hundreds of messages. Outside an application context it counts
    nothing.
    """

    def __init__(self, transport: str = "") -> None:
        metrics = _metrics()
        self._outcomes: dict[str, Counter] = {}
        self._latency: Histogram | None = None
        if metrics is not None:
            self._outcomes = {o: metrics.sender_messages.labels(outcome=o) for o in OUTCOMES}
            self._latency = metrics.send_latency.labels(transport=transport or "unknown")

    def record(self, outcome: str, seconds: float | None = None) -> None:
        """Count one message's ``outcome`` (one of :data:`OUTCOMES`) and, when given, the
        wall time of its transport call."""
        if self._latency is None:  # no application context: nothing to count into
            return
        self._outcomes[outcome].inc()  # a KeyError here is a misspelt outcome
        if seconds is not None:
            self._latency.observe(seconds)


def record_send(outcome: str, seconds: float | None = None, transport: str = "") -> None:
    """Count one message's outcome and, when given, how long the transport call took.

    ``outcome`` is one of :data:`OUTCOMES`; ``seconds`` is the wall time of the transport's
    ``send`` call; ``transport`` its name (ses, smtp, outbox). A loop over many messages
    keeps a :class:`SendMeter` instead.
    """
    SendMeter(transport).record(outcome, seconds)


def record_scheduler_tick(holder: str = "") -> None:
    """Note that the scheduler of this process just finished a pass."""
    metrics = _metrics()
    if metrics is None:
        return
    metrics.scheduler_tick.set(time.time())
    if holder:
        metrics.scheduler_holder.info({"holder": holder})
