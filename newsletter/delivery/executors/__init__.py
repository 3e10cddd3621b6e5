"""Executors: what runs :func:`newsletter.delivery.sender.send_batch` over and over.

``NEWSLETTER_EXECUTOR=embedded`` (the default) runs sender threads in ``newsletter run``
and ``newsletter worker``; ``celery`` runs batches as Celery tasks on any number of
machines, started by a dispatcher in ``newsletter worker``. The reaper runs either way.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask

from newsletter.config import Settings
from newsletter.database import Database
from newsletter.delivery.reaper import ReaperService
from newsletter.runtime import Service, register_service


def delivery_services(app: Flask) -> list[Service]:
    """The reaper, plus sender threads or the Celery dispatcher, for ``app``."""
    settings: Settings = app.config["NEWSLETTER"]
    database: Database = app.extensions["newsletter.database"]
    services: list[Service] = [
        ReaperService(database, dt.timedelta(seconds=settings.send_lease_seconds))
    ]
    if settings.executor == "celery":
        from newsletter.delivery.executors.celery_app import CeleryDispatcher

        services.append(CeleryDispatcher(settings))
    else:
        from newsletter.delivery.executors.embedded import SenderThread

        services += [SenderThread(number) for number in range(1, settings.sender_threads + 1)]
    return services


def init_app(app: Flask) -> None:
    """Register the delivery services with ``newsletter run`` and ``newsletter worker``."""
    register_service(app, delivery_services)
