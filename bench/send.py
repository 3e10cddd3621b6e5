"""Sending benchmark: the real send path against the naive one, pacing, and memory.

Run on its own (no pytest):  .venv/bin/python bench/send.py [--quick] [--transport outbox]

Needs the PostgreSQL server of the machine (``--database-url``, default the local one); it
creates a database of its own and drops it afterwards.

1. Seeds N confirmed readers over every topic mix (the drill's seeding), imports the demo
   issue and starts a campaign through the lifecycle (the audience snapshot).
2. The pipeline: sender threads run :func:`send_batch` (claims, readers, prepared variants,
   slot filling, tags, pacing, outcome writes, counters) until the campaign is sent, into a
   null transport (or the ``.eml`` outbox). Pacing is set far above what the pipeline
   reaches, so this is the pipeline's own throughput. Peak RSS is read right after.
3. The naive baseline in the same run, on the same issue and readers: a full render and
   ``EmailMessage`` serialisation per reader (bench/render.py's ``naive_message``).
4. Pacing: a second campaign at MaxSendRate 200/s for a few seconds; the average rate and
   the most messages handed over within any one second.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _drill_seed import import_demo_issue, make_operator, seed_readers
from flask import Flask
from render import naive_message
from sqlalchemy import select
from tracking import create_database, drop_database

from newsletter.app import create_app
from newsletter.audit import Actor
from newsletter.delivery import lifecycle
from newsletter.delivery.executors.embedded import work_once
from newsletter.delivery.pacing import Limits
from newsletter.delivery.process import EXTENSION_KEY, SenderProcess
from newsletter.delivery.transports import OutgoingMessage, SendResult, Transport
from newsletter.delivery.transports.outbox import OutboxTransport
from newsletter.extensions import db
from newsletter.issues.storage import load_document
from newsletter.models import Campaign, Delivery, Issue, Subscriber
from newsletter.rendering import Recipient, build_link_registry
from newsletter.signing import TokenSigner
from newsletter.topics import parse_variant_key

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
UNPACED = 1_000_000.0
PACED_RATE = 200.0


class NullTransport:
    """Accepts every message at once; with ``times`` it notes when each was handed over."""

    name = "null"

    def __init__(self, times: list[float] | None = None) -> None:
        self.counter = itertools.count(1)
        self.times = times

    def send(self, message: OutgoingMessage) -> SendResult:
        if self.times is not None:
            self.times.append(time.monotonic())
        return SendResult(f"null-{next(self.counter)}")

    def close(self) -> None:
        pass


def use(app: Flask, transport: Callable[[], Transport], rate: float) -> None:
    """Send through this transport at this rate; prepared variants stay warm, as they do in
    a worker from one campaign of an issue to the next."""
    process = app.extensions.get(EXTENSION_KEY) or SenderProcess(app.config["NEWSLETTER"])
    app.extensions[EXTENSION_KEY] = process
    process.transport_factory = lambda _settings: transport()
    process.limits_reader = lambda _settings: Limits(rate, None, None, "bench")
    process._limits = process._pacer = None  # read the new rate at the next batch


def start_campaign(issue_id: int, actor: Actor) -> int:
    with db.session_scope() as session:
        issue = session.get_one(Issue, issue_id)
        campaign = lifecycle.create_campaign(session, issue, actor=actor, name="bench")
        lifecycle.start(session, campaign, actor=actor)
        return campaign.id


def run_senders(app: Flask, threads: int, stop: threading.Event) -> float:
    """Sender threads until no campaign has work (or ``stop``); the seconds it took."""

    def loop(number: int) -> None:
        with app.app_context():
            while not stop.is_set() and work_once(f"bench-{number}", stop):
                pass

    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


def most_in_one_second(times: list[float]) -> int:
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def paced_run(app: Flask, issue_id: int, actor: Actor, threads: int, seconds: float) -> list[float]:
    times: list[float] = []
    transport = NullTransport(times)
    use(app, lambda: transport, PACED_RATE)
    start_campaign(issue_id, actor)
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    run_senders(app, threads, stop)
    timer.cancel()
    return sorted(times)


def naive_rate(issue_id: int, count: int) -> float:
    """Messages per second rendering and serialising each reader's message in full."""
    with db.session_scope() as session:
        doc = load_document(session.get_one(Issue, issue_id))
        readers = session.execute(
            select(Delivery.id, Delivery.variant_key, Subscriber.email, Subscriber.name)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .order_by(Delivery.id)
            .limit(count)
        ).all()
    links = build_link_registry(doc)
    signer = TokenSigner(SECRET)
    started = time.perf_counter()
    for row in readers:
        mix = parse_variant_key(row.variant_key)
        naive_message(doc, mix, links, signer, Recipient(row.id, row.email, row.name))
    return len(readers) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer readers; under a minute")
    parser.add_argument("--readers", type=int, help="readers in the campaign")
    parser.add_argument("--threads", type=int, default=4, help="sender threads")
    parser.add_argument("--transport", choices=["null", "outbox"], default="null")
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server (its maintenance database) to create the bench database on",
    )  # fmt: skip
    args = parser.parse_args(argv)
    readers = args.readers or (20_000 if args.quick else 200_000)
    naive_count, paced_seconds = (40, 4.0) if args.quick else (200, 10.0)

    url, admin = create_database(args.database_url)
    try:
        with tempfile.TemporaryDirectory(prefix="nl-bench-outbox-") as outbox:
            app = create_app({
                "env": "test", "database_url": url, "secret_key": SECRET,
                "outbox_dir": outbox, "base_url": "https://news.example.com",
                "sender": "AI前沿发展日报 <daily@news.example.com>",
            })  # fmt: skip
            with app.app_context():
                run(app, args, readers, naive_count, paced_seconds, outbox)
    finally:
        db.dispose()
        drop_database(admin, url)


def run(
    app: Flask,
    args: argparse.Namespace,
    readers: int,
    naive_count: int,
    paced_seconds: float,
    outbox: str,
) -> None:
    started = time.perf_counter()
    with db.session_scope() as session:
        seed_readers(session, readers)
        issue_id = import_demo_issue(session)
        actor = make_operator(session)
    campaign_id = start_campaign(issue_id, actor)
    print(f"seeded {readers:,} readers and started the campaign in "
          f"{time.perf_counter() - started:.1f} s; transport {args.transport}, "
          f"{args.threads} sender threads")  # fmt: skip

    transport: Callable[[], Transport] = (
        NullTransport if args.transport == "null" else lambda: OutboxTransport(outbox)
    )
    use(app, transport, UNPACED)
    seconds = run_senders(app, args.threads, threading.Event())
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with db.session_scope() as session:
        campaign = session.get_one(Campaign, campaign_id)
        sent, status = campaign.sent_count, campaign.status
    print(f"pipeline: {sent:,} sent in {seconds:.1f} s, campaign {status}")

    naive = naive_rate(issue_id, naive_count)
    times = paced_run(app, issue_id, actor, args.threads, paced_seconds)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    paced_avg = (len(times) - 1) / span if span else 0.0

    rate = sent / seconds
    size = f"{readers // 1_000_000}m" if readers % 1_000_000 == 0 else f"{readers // 1000}k"
    print(f"send_msgs_per_s: {rate:.0f} msg/s (goal: >= 1000)")
    print(f"naive_msgs_per_s: {naive:.1f} msg/s (render and serialise per reader)")
    print(f"send_vs_naive: {rate / naive:.0f} x (goal: >= 10)")
    print(f"paced_avg_per_s: {paced_avg:.1f} msg/s (goal: >= 190)")
    print(f"paced_max_in_1s: {most_in_one_second(times)} msg (goal: <= 200)")
    print(f"peak_rss_mb_{size}: {peak_rss_mb:.0f} MB (goal: <= 200)")


if __name__ == "__main__":
    main()
