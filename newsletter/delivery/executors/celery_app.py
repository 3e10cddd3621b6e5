"""The Celery executor: send batches as tasks on workers on any number of machines.

Run workers with ``celery -A newsletter.delivery.executors.celery_app worker`` (same
``NEWSLETTER_*`` environment as the app, ``NEWSLETTER_EXECUTOR=celery`` and a Redis URL);
``newsletter worker`` runs the scheduler, the reaper and the dispatcher that starts chains.

A campaign is sent by ``NEWSLETTER_SENDER_THREADS`` *chains*: a chain is one task running
:func:`send_batch` and queueing its own successor while there is work. Each chain holds a
key in Redis (``SET NX`` with a TTL, renewed by every task), so the dispatcher
(:class:`CeleryDispatcher`) starts a chain only where none runs, and restarts one whose
worker died once its key expires. Nothing here reads the environment at import time: the
broker URL is read when Celery first needs its configuration.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

from celery import Celery
from flask import Flask

from newsletter.config import Settings, load_settings
from newsletter.delivery.claims import worker_name
from newsletter.delivery.executors.common import campaigns_with_work
from newsletter.delivery.sender import send_batch

log = logging.getLogger(__name__)

#: A chain's key lives this long unless its next task renews it.
CHAIN_TTL_SECONDS = 120
TASK_NAME = "newsletter.send_batch"


class NewsletterCelery(Celery):  # type: ignore[misc]
    """Celery configured from the newsletter's settings when first used, not at import.

    A ``celery worker`` reads them from the environment; a process that already has its
    settings (``newsletter worker``, tests) hands them over with :meth:`use_settings` first.
    """

    settings: Settings | None = None

    def use_settings(self, settings: Settings) -> None:
        """Configure from ``settings`` (before anything else touches the configuration)."""
        self.settings = settings
        self.conf.update(_conf(settings))

    def on_configure(self) -> None:
        """Called by Celery when its configuration is first needed."""
        self.conf.update(_conf(self.settings or load_settings()))


def _conf(settings: Settings) -> dict[str, Any]:
    # Tasks are acknowledged on receipt: a batch redelivered after a crash would be a second
    # claim, which the ledger makes harmless but pointless; the chain's key restarts it.
    return {
        "broker_url": settings.redis_url,
        "task_default_queue": settings.celery_queue,
        "task_ignore_result": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
    }


app = NewsletterCelery("newsletter")

_flask_app: Flask | None = None
_flask_lock = threading.Lock()


def flask_app() -> Flask:
    """The newsletter app of this worker process, created on the first task."""
    global _flask_app  # noqa: PLW0603 - one app per worker process, made lazily
    with _flask_lock:
        if _flask_app is None:
            from newsletter.app import create_app

            _flask_app = create_app()
        return _flask_app


class Chains:
    """The Redis keys that say which chains of which campaign are running."""

    def __init__(self, client: Any, queue: str) -> None:
        self.client = client
        self.prefix = f"newsletter:chains:{queue}"

    def key(self, campaign_id: int, slot: int) -> str:
        """The key of one chain."""
        return f"{self.prefix}:{campaign_id}:{slot}"

    def start(self, campaign_id: int, slot: int) -> bool:
        """Take the chain's key; False when the chain is already running."""
        taken = self.client.set(self.key(campaign_id, slot), "1", nx=True, ex=CHAIN_TTL_SECONDS)
        return bool(taken)

    def renew(self, campaign_id: int, slot: int) -> None:
        """Keep the chain's key while its tasks run."""
        self.client.set(self.key(campaign_id, slot), "1", ex=CHAIN_TTL_SECONDS)

    def end(self, campaign_id: int, slot: int) -> None:
        """Let the dispatcher start this chain again when there is work."""
        self.client.delete(self.key(campaign_id, slot))


@functools.cache
def _chains(redis_url: str, queue: str) -> Chains:
    import redis

    return Chains(redis.Redis.from_url(redis_url), queue)


def chains_for(settings: Settings) -> Chains:
    """The chain registry on the configured Redis (one client per process)."""
    return _chains(settings.redis_url, settings.celery_queue)


@app.task(name=TASK_NAME, ignore_result=True)  # type: ignore[untyped-decorator]
def send_batch_task(campaign_id: int, slot: int) -> None:
    """One batch of a campaign's chain ``slot``; queues the next while there is work."""
    flask = flask_app()
    with flask.app_context():
        settings: Settings = flask.config["NEWSLETTER"]
        chains = chains_for(settings)
        chains.renew(campaign_id, slot)
        try:
            report = send_batch(campaign_id, worker_name(f"celery-{slot}"))
        except Exception:
            chains.end(campaign_id, slot)
            raise
        if report.more:
            send_batch_task.apply_async((campaign_id, slot), queue=settings.celery_queue)
        else:
            chains.end(campaign_id, slot)


def dispatch_once(settings: Settings, chains: Chains) -> int:
    """Start the chains that campaigns with work lack; returns how many were started."""
    from newsletter.extensions import db

    session = db.new_session()
    try:
        busy = campaigns_with_work(session)
    finally:
        session.close()
    started = 0
    for campaign_id in busy:
        for slot in range(settings.sender_threads):
            if chains.start(campaign_id, slot):
                send_batch_task.apply_async((campaign_id, slot), queue=settings.celery_queue)
                started += 1
    return started


class CeleryDispatcher:
    """Starts chains every :data:`INTERVAL` seconds, as a :class:`newsletter.runtime.Service`."""

    name = "celery-dispatcher"
    INTERVAL = 2.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def run(self, stop: threading.Event) -> None:
        """Dispatch until ``stop`` is set; errors are logged and the next pass tries again."""
        app.use_settings(self.settings)
        chains = chains_for(self.settings)
        while not stop.is_set():
            try:
                dispatch_once(self.settings, chains)
            except Exception:
                log.exception("celery dispatch failed; retrying in %.0f s", self.INTERVAL)
            stop.wait(self.INTERVAL)
