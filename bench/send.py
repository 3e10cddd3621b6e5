"""Sending benchmark: the real send path through SES against a bare boto3 loop, pacing, memory.

Run on its own (no pytest):  .venv/bin/python bench/send.py [--quick]

Needs the PostgreSQL server of the machine (``--database-url``, default
``NEWSLETTER_TEST_DATABASE_URL`` or the local one); it creates a database of its own and drops
it afterwards. Needs nginx (``/usr/sbin/nginx``, Debian's nginx-light from
scripts/system-packages.sh): moto's server manages only about 150 messages/s, so the SES
endpoint is an nginx on loopback, started here with its own configuration in a temporary
directory, that answers every POST with SES v2 SendEmail's JSON and a unique MessageId.

1. Seeds N confirmed readers over every topic mix (the drill's seeding), imports the demo
   issue and starts a campaign through the lifecycle (the audience snapshot).
2. The pipeline: sender threads run :func:`send_batch` (claims, readers, prepared variants,
   slot filling, tags, pacing, outcome writes, counters) until the campaign is sent, through
   the SES transport (``NEWSLETTER_TRANSPORT=ses``, endpoint the nginx, dummy credentials).
   Pacing is set far above what the pipeline reaches, so this is the pipeline's own
   throughput. Peak RSS is read right after.
3. The baseline in the same run: as many threads calling sesv2 ``send_email`` in a loop with
   the first readers' messages in turn as raw content, requests of the pipeline's shape
   (configuration set, four tags), one stock client per thread, retries off. The pipeline's
   SES transport puts the message into the request without botocore's JSON escaping of its
   base64 (:mod:`newsletter.delivery.transports.ses_raw_body`); the baseline does not.
4. The pipeline again into a null transport, against a full render and ``EmailMessage``
   serialisation per reader (bench/render.py's ``naive_message``): what preparing costs.
5. Pacing: another campaign at MaxSendRate 200/s for a few seconds; the average rate and
   the most messages handed over within any one second.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3
from _drill_seed import import_demo_issue, make_operator, seed_readers
from _ses_endpoint import ses_endpoint
from flask import Flask
from render import naive_message
from sqlalchemy import select
from tracking import create_database, drop_database

from newsletter.app import create_app
from newsletter.audit import Actor
from newsletter.config import Settings
from newsletter.delivery import lifecycle
from newsletter.delivery.executors.embedded import work_once
from newsletter.delivery.pacing import Limits
from newsletter.delivery.process import EXTENSION_KEY, SenderProcess, default_transport
from newsletter.delivery.transports import OutgoingMessage, SendResult, Transport
from newsletter.delivery.transports.ses import SEND_CONFIG, email_tags, make_sesv2_client
from newsletter.extensions import db
from newsletter.issues.storage import load_document
from newsletter.models import Campaign, Delivery, Issue, Subscriber
from newsletter.rendering import Recipient, build_link_registry
from newsletter.signing import TokenSigner
from newsletter.topics import parse_variant_key

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
UNPACED = 1_000_000.0
PACED_RATE = 200.0
REGION = "eu-west-1"
QUICK_READERS = 10_000
#: The baseline loop needs no more messages than this for a steady figure.
BOTO3_LOOP_MAX = 10_000
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/postgres"


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


def naive_messages(issue_id: int, count: int) -> tuple[float, list[bytes]]:
    """The first ``count`` readers' messages rendered and serialised each in full (every
    topic mix once when ``count`` is above the number of mixes); the messages per second."""
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
    messages = [
        naive_message(
            doc, parse_variant_key(row.variant_key), links, signer,
            Recipient(row.id, row.email, row.name),
        )
        for row in readers
    ]  # fmt: skip
    return len(readers) / (time.perf_counter() - started), messages


def boto3_loop_rate(
    endpoint: str, settings: Settings, messages: list[bytes], threads: int, count: int
) -> float:
    """Messages per second from ``threads`` threads calling sesv2 ``send_email`` in a loop
    with ``messages`` in turn as raw content: what boto3 alone manages against the same
    endpoint. The requests have the pipeline's shape (configuration set, the campaign,
    delivery and feedback tags) and its client settings (retries off); each thread makes its
    client from one shared session inside the timed span, as the pipeline's threads do."""
    session = boto3.session.Session()
    client_settings = Settings(ses_region=REGION, ses_endpoint_url=endpoint)
    shares = [count // threads + (n < count % threads) for n in range(threads)]
    lock = threading.Lock()

    def loop(first: int, share: int) -> None:
        with lock:  # creating clients from one session is not thread-safe
            client = make_sesv2_client(client_settings, SEND_CONFIG, session)
        for number in range(first, first + share):
            tags = {"campaign": "1", "delivery": str(number)}
            client.send_email(
                FromEmailAddress=settings.sender_address,
                Destination={"ToAddresses": ["reader@example.com"]},
                Content={"Raw": {"Data": messages[number % len(messages)]}},
                EmailTags=email_tags(tags, settings.ses_feedback_id),
                ConfigurationSetName=settings.ses_configuration_set,
            )

    firsts = list(itertools.accumulate(shares, initial=0))
    workers = [
        threading.Thread(target=loop, args=pair) for pair in zip(firsts[:-1], shares, strict=True)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return count / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer readers; under a minute")
    parser.add_argument("--readers", type=int, help="readers in the campaign")
    parser.add_argument("--threads", type=int, default=4, help="sender threads")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("NEWSLETTER_TEST_DATABASE_URL", DEFAULT_DATABASE),
        help="PostgreSQL server (its maintenance database) to create the bench database on",
    )
    args = parser.parse_args(argv)
    readers = args.readers or (QUICK_READERS if args.quick else 1_000_000)
    # Dummy credentials: botocore signs every request, and the nginx ignores the signature.
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    os.environ.pop("AWS_SESSION_TOKEN", None)

    url, admin = create_database(args.database_url)
    try:
        with (
            ses_endpoint() as endpoint,
            tempfile.TemporaryDirectory(prefix="nl-bench-outbox-") as outbox,
        ):
            app = create_app({
                "env": "test", "database_url": url, "secret_key": SECRET,
                "outbox_dir": outbox, "base_url": "https://news.example.com",
                "sender": "AI前沿发展日报 <daily@news.example.com>",
                "transport": "ses", "ses_region": REGION, "ses_endpoint_url": endpoint,
            })  # fmt: skip
            with app.app_context():
                run(app, args, readers, endpoint)
    finally:
        db.dispose()
        drop_database(admin, url)


def send_campaign(app: Flask, campaign_id: int, threads: int) -> tuple[float, int]:
    """Sends the campaign unpaced with the transport set by :func:`use`; (msg/s, sent)."""
    seconds = run_senders(app, threads, threading.Event())
    with db.session_scope() as session:
        campaign = session.get_one(Campaign, campaign_id)
        sent, status = campaign.sent_count, campaign.status
    print(f"  {sent:,} sent in {seconds:.1f} s, campaign {status}")
    return sent / seconds, sent


def run(app: Flask, args: argparse.Namespace, readers: int, endpoint: str) -> None:
    started = time.perf_counter()
    with db.session_scope() as session:
        seed_readers(session, readers)
        issue_id = import_demo_issue(session)
        actor = make_operator(session)
    campaign_id = start_campaign(issue_id, actor)
    print(f"seeded {readers:,} readers and started the campaign in "
          f"{time.perf_counter() - started:.1f} s; SES endpoint nginx at {endpoint}, "
          f"{args.threads} sender threads")  # fmt: skip

    print("pipeline through the SES transport:")
    use(app, lambda: default_transport(app.config["NEWSLETTER"]), UNPACED)
    rate, sent = send_campaign(app, campaign_id, args.threads)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    naive_count, paced_seconds = (40, 4.0) if args.quick else (200, 10.0)
    naive, messages = naive_messages(issue_id, naive_count)
    loop_count = min(sent, BOTO3_LOOP_MAX)
    boto3_rate = boto3_loop_rate(
        endpoint, app.config["NEWSLETTER"], messages, args.threads, loop_count
    )
    mean_size = sum(map(len, messages)) / len(messages)
    print(f"boto3 loop: {loop_count:,} messages, {len(messages)} readers' messages in turn "
          f"(mean {mean_size:,.0f} bytes)")  # fmt: skip

    print("pipeline into a null transport:")
    use(app, NullTransport, UNPACED)
    null_rate, _ = send_campaign(app, start_campaign(issue_id, actor), args.threads)
    times = paced_run(app, issue_id, actor, args.threads, paced_seconds)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    paced_avg = (len(times) - 1) / span if span else 0.0

    print(f"null_transport_msgs_per_s: {null_rate:.0f} msg/s (the pipeline without sending)")
    print(f"naive_msgs_per_s: {naive:.1f} msg/s (render and serialise per reader)")
    print(f"null_vs_naive: {null_rate / naive:.0f} x")
    rss_line = f"peak_rss_mb_1m: {peak_rss_mb:.0f} MB (goal: <= 200)"
    if readers != 1_000_000:
        print(f"peak_rss_mb_{readers // 1000}k: {peak_rss_mb:.0f} MB")
        why = "--quick" if args.quick else f"--readers {readers:,}"
        rss_line = f"peak_rss_mb_1m: skipped ({why}; measured at 1,000,000 readers without it)"
    print(f"send_msgs_per_s: {rate:.0f} msg/s")
    print(f"boto3_loop_msgs_per_s: {boto3_rate:.0f} msg/s")
    print(f"send_vs_boto3: {rate / boto3_rate:.2f} (goal: >= 0.85)")
    print(f"paced_avg_per_s: {paced_avg:.1f} msg/s (goal: >= 190)")
    print(f"paced_max_in_1s: {most_in_one_second(times)} msg (goal: <= 200)")
    print(rss_line)


if __name__ == "__main__":
    main()
