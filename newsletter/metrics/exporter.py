"""A worker process's own /metrics: what its senders and scheduler measured.

``newsletter worker`` runs without the web app, so its process-local series (send latency,
outcomes, scheduler ticks) would never be scraped; with ``NEWSLETTER_METRICS_WORKER_LISTEN``
it serves them from a small HTTP server beside the senders.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from prometheus_client import start_http_server

from newsletter.metrics.prometheus import EXTENSION_KEY, AppMetrics
from newsletter.runtime import Service

log = logging.getLogger(__name__)


class MetricsExporter:
    """Serves the app's registry on ``host:port`` until stopped."""

    name = "metrics-exporter"

    def __init__(self, metrics: AppMetrics, listen: str) -> None:
        host, _, port = listen.rpartition(":")
        self.metrics = metrics
        self.host = host.strip("[]")
        self.port = int(port)
        self.bound = threading.Event()  # set once serving; ``port`` is then the real one

    def run(self, stop: threading.Event) -> None:
        """Serve until ``stop`` is set."""
        server, thread = start_http_server(self.port, self.host, registry=self.metrics.registry)
        self.port = server.server_port
        self.bound.set()
        log.info("worker metrics on http://%s:%s/metrics", self.host, self.port)
        stop.wait()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def exporter_services(app: Flask) -> list[Service]:
    """The exporter when configured, for :func:`newsletter.runtime.register_service`."""
    listen: str = app.config["NEWSLETTER"].metrics_worker_listen
    if not listen:
        return []
    return [MetricsExporter(app.extensions[EXTENSION_KEY], listen)]
