"""Background services that run beside the web app or in a worker process.

``newsletter run`` starts the web server and these services in one process; ``newsletter
worker`` starts only the services. Features register a factory with
:func:`register_service`; each service runs in its own thread inside an application context
and stops when the shared stop event is set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from flask import Flask

log = logging.getLogger(__name__)
_REGISTRY_KEY = "newsletter.services"


class Service(Protocol):
    """A long-running loop that returns soon after ``stop`` is set."""

    name: str

    def run(self, stop: threading.Event) -> None: ...


ServiceFactory = Callable[[Flask], list[Service]]


def register_service(app: Flask, factory: ServiceFactory) -> None:
    """Add a factory whose services start with ``newsletter run`` and ``newsletter worker``."""
    app.extensions.setdefault(_REGISTRY_KEY, []).append(factory)


@dataclass
class ServiceRunner:
    """Starts every registered service in a thread and stops them together."""

    app: Flask
    stop_event: threading.Event
    threads: list[threading.Thread]

    @classmethod
    def start(cls, app: Flask) -> ServiceRunner:
        """Create and start the services registered on ``app``."""
        stop = threading.Event()
        threads: list[threading.Thread] = []
        for factory in app.extensions.get(_REGISTRY_KEY, []):
            for service in factory(app):
                thread = threading.Thread(
                    target=_run_in_context,
                    args=(app, service, stop),
                    name=service.name,
                    daemon=True,
                )
                thread.start()
                threads.append(thread)
        log.info("started %d background services: %s", len(threads), [t.name for t in threads])
        return cls(app, stop, threads)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every service to stop and wait for them, up to ``timeout`` seconds in all."""
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=timeout)
            if thread.is_alive():
                log.warning("service %s did not stop within %.0f s", thread.name, timeout)

    @property
    def names(self) -> list[str]:
        return [thread.name for thread in self.threads]


def _run_in_context(app: Flask, service: Service, stop: threading.Event) -> None:
    with app.app_context():
        try:
            service.run(stop)
        except Exception:
            log.exception("background service %s crashed", service.name)
            raise
