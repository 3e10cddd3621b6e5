"""What other parts of the app call to be measured: the sender and the scheduler.

Each app has its own Prometheus registry (see :mod:`newsletter.metrics.prometheus`); these
functions find it through the current application context, which every request, service
thread and job has. Outside one they do nothing, so domain code can call them freely.
"""

from __future__ import annotations

import time

from flask import current_app, has_app_context

from newsletter.metrics.prometheus import EXTENSION_KEY, AppMetrics

#: Outcomes the sender reports, one per message handed (or not) to the transport.
OUTCOMES = ("sent", "failed", "deferred", "throttled", "in_doubt", "skipped")


def _metrics() -> AppMetrics | None:
    if not has_app_context():
        return None
    found: AppMetrics | None = current_app.extensions.get(EXTENSION_KEY)
    return found


def record_send(outcome: str, seconds: float | None = None, transport: str = "") -> None:
    """Count one message's outcome and, when given, how long the transport call took.

    ``outcome`` is one of :data:`OUTCOMES`; ``seconds`` is the wall time of the transport's
    ``send`` call; ``transport`` its name (ses, smtp, outbox).
    """
    metrics = _metrics()
    if metrics is None:
        return
    metrics.sender_messages.labels(outcome=outcome).inc()
    if seconds is not None:
        metrics.send_latency.labels(transport=transport or "unknown").observe(seconds)


def record_scheduler_tick(holder: str = "") -> None:
    """Note that the scheduler of this process just finished a pass."""
    metrics = _metrics()
    if metrics is None:
        return
    metrics.scheduler_tick.set(time.time())
    if holder:
        metrics.scheduler_holder.info({"holder": holder})
