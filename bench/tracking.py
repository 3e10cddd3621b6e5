"""Tracking benchmark: open pixels and click redirects under gunicorn on PostgreSQL.

Run on its own (no pytest):  .venv/bin/python bench/tracking.py [--quick]

1. Creates a PostgreSQL database (dropped at the end), migrates it and stores an issue with
   its link registry, a campaign and one sent delivery per reader.
2. For each way of writing events, starts ``gunicorn wsgi:app`` (gthread workers, the
   project's gunicorn.conf.py) on a free loopback port and drives it with ``wrk``:
   ``GET /t/o/<token>.gif`` then ``GET /t/c/<token>/<n>``, tokens spread over every delivery.
   - baseline: NEWSLETTER_TRACKING_WRITES=direct, one INSERT + UPDATE + COMMIT per request;
   - design:   NEWSLETTER_TRACKING_WRITES=buffered, answer at once, write in batches.
   Pixels run flat out (throughput, and the p99 of a saturated server), then, for the design,
   paced at the goal rate of 1500 req/s in three segments (32 connections, each waiting
   between requests): the p99 the goal speaks of, what readers wait while the server does
   1500 a second. The figure is the median of the three segments' p99s, so one burst of
   another tenant's CPU use on a shared machine does not decide it; all three are printed.
   wrk paces each connection after its previous answer, so a stall delays the next request
   instead of piling up (coordinated omission): read the paced p99 as a lower bound. The
   baseline is not paced: it cannot reach 1500 req/s.
3. Stops gunicorn gracefully (SIGTERM), then compares the events stored with the tracking
   requests the server answered (counted by a gunicorn post_request hook in each worker, so
   requests wrk abandoned at the end of a run are counted exactly).

Both modes run in the same process on the same data, one after the other; on a small shared
machine compare the ratio more than the absolute figures. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import uuid
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text, update
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _loadtest import (  # noqa: E402
    Load,
    answered_by_workers,
    run_wrk,
    start_gunicorn,
    stop_gunicorn,
)

from newsletter import migrations  # noqa: E402
from newsletter.models import (  # noqa: E402
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryState,
    Event,
    EventType,
    Issue,
    Subscriber,
    SubscriberStatus,
    TrackedLink,
    utcnow,
)
from newsletter.signing import TokenPurpose, TokenSigner  # noqa: E402

SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
LINKS = 20
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
GOAL_RPS = 1500.0
PACED_CONNECTIONS = 32


@dataclass
class ModeResult:
    """One write mode: the loads, what the server answered and what reached the database."""

    mode: str
    pixel: Load
    paced: list[Load]
    click: Load
    answered: dict[str, int]
    stored: dict[str, int]

    @property
    def paced_rps(self) -> float:
        return statistics.median(load.rps for load in self.paced) if self.paced else 0.0

    @property
    def paced_p99_ms(self) -> float:
        return statistics.median(load.p99_ms for load in self.paced) if self.paced else 0.0

    @property
    def lost(self) -> int:
        return sum(max(0, self.answered[k] - self.stored[k]) for k in ("open", "click"))


def create_database(server_url: str) -> tuple[str, Engine]:
    """A fresh database on the server, migrated; returns its URL and an admin engine."""
    admin_url = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"nl_bench_tracking_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    migrations.upgrade(url)
    return url, admin


def drop_database(admin: Engine, url: str) -> None:
    name = make_url(url).database
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(engine: Engine, readers: int) -> list[int]:
    """An issue with LINKS links, a sent campaign and one delivery per reader."""
    now = utcnow()
    with engine.begin() as connection:
        issue_id = connection.execute(
            insert(Issue)
            .values(slug="2026-04-07", title="AI前沿发展日报", created_at=now, updated_at=now)
            .returning(Issue.id)
        ).scalar_one()
        connection.execute(
            insert(TrackedLink),
            [
                {
                    "issue_id": issue_id,
                    "position": n,
                    "url": f"https://example.com/{n}",
                    "topics": [],
                    "created_at": now,
                }
                for n in range(1, LINKS + 1)
            ],
        )
        campaign_id = connection.execute(
            insert(Campaign)
            .values(
                issue_id=issue_id,
                name="bench",
                status=CampaignStatus.SENDING,
                audience={},
                created_at=now,
                updated_at=now,
            )
            .returning(Campaign.id)
        ).scalar_one()
        subscriber_ids = (
            connection.execute(
                insert(Subscriber).returning(Subscriber.id),
                [
                    {
                        "email": f"reader{n}@example.org",
                        "status": SubscriberStatus.CONFIRMED,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(readers)
                ],
            )
            .scalars()
            .all()
        )
        sent_at = now - dt.timedelta(hours=2)  # long enough ago that opens count as reading
        delivery_ids = (
            connection.execute(
                insert(Delivery).returning(Delivery.id),
                [
                    {
                        "campaign_id": campaign_id,
                        "subscriber_id": sid,
                        "variant_key": "all",
                        "state": DeliveryState.SENT,
                        "sent_at": sent_at,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for sid in subscriber_ids
                ],
            )
            .scalars()
            .all()
        )
    return list(delivery_ids)


def reset_events(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE events"))
        connection.execute(
            update(Delivery).values(opened_at=None, machine_opened_at=None, clicked_at=None)
        )


def stored_events(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = dict(connection.execute(select(Event.type, func.count()).group_by(Event.type)).all())
    return {"open": rows.get(EventType.OPEN.value, 0), "click": rows.get(EventType.CLICK.value, 0)}


def run_mode(
    mode: str,
    url: str,
    engine: Engine,
    tokens: list[str],
    options: argparse.Namespace,
    folder: Path,
) -> ModeResult:
    reset_events(engine)
    pixels = [f"/t/o/{token}.gif" for token in tokens]
    clicks = [f"/t/c/{token}/{1 + n % LINKS}" for n, token in enumerate(tokens)]
    process, base = start_gunicorn(
        app_settings(url, mode),
        folder,
        workers=options.workers,
        threads=options.threads,
        prefixes={"/t/o/": "open", "/t/c/": "click"},
    )
    try:
        drive = partial(run_wrk, base, folder=folder, agent=BROWSER)
        drive(pixels[:200], options.warmup, options.connections)
        pixel = drive(pixels, options.duration, options.connections)
        paced = [
            drive(pixels, options.segment, PACED_CONNECTIONS, rate=GOAL_RPS)
            for _ in range(3 if mode == "buffered" else 0)
        ]
        click = drive(clicks, options.duration, options.connections)
    finally:
        stop_gunicorn(process)
    answered = {"open": 0, "click": 0, **answered_by_workers(folder)}
    return ModeResult(mode, pixel, paced, click, answered, stored_events(engine))


def app_settings(url: str, mode: str) -> dict[str, str]:
    """The app's environment: production on the bench database, the given write mode."""
    return {
        "NEWSLETTER_ENV": "production",
        "NEWSLETTER_DATABASE_URL": url,
        "NEWSLETTER_SECRET_KEY": SECRET,
        "NEWSLETTER_BASE_URL": "https://news.example.org",
        "NEWSLETTER_SENDER": "AI前沿发展日报 <daily@news.example.org>",
        "NEWSLETTER_POSTAL_ADDRESS": "上海市浦东新区示例路 1 号",
        "NEWSLETTER_TRACKING_WRITES": mode,
        "NEWSLETTER_LOG_LEVEL": "WARNING",
    }


def report(baseline: ModeResult, design: ModeResult, options: argparse.Namespace) -> None:
    print(
        f"\n{options.workers} gunicorn gthread workers x {options.threads} threads; wrk 2 threads, "
        f"{options.connections} connections ({PACED_CONNECTIONS} paced); "
        f"{options.duration:g} s per run ({options.segment:g} s paced segments); "
        f"{options.readers} deliveries"
    )
    print(f"{'':<34}{'baseline (direct)':>18}{'design (buffered)':>18}{'ratio':>8}")
    rows = [
        ("pixel req/s, flat out", baseline.pixel.rps, design.pixel.rps),
        ("pixel p50 ms, flat out", baseline.pixel.p50_ms, design.pixel.p50_ms),
        ("pixel p99 ms, flat out", baseline.pixel.p99_ms, design.pixel.p99_ms),
        ("click req/s, flat out", baseline.click.rps, design.click.rps),
        ("click p99 ms, flat out", baseline.click.p99_ms, design.click.p99_ms),
    ]
    for name, before, after in rows:
        ratio = after / before if before else float("nan")
        print(f"{name:<34}{before:>18,.1f}{after:>18,.1f}{ratio:>7.2f}x")
    segments = ", ".join(f"{load.rps:,.0f} req/s p99 {load.p99_ms:.1f} ms" for load in design.paced)
    print(f"design paced to {GOAL_RPS:.0f} req/s, 3 segments: {segments}")
    for result in (baseline, design):
        loads = (result.pixel, *result.paced, result.click)
        bad = sum(load.bad_status for load in loads)
        errors = sum(load.socket_errors for load in loads)
        print(
            f"{result.mode}: answered {result.answered['open']:,} opens, "
            f"{result.answered['click']:,} clicks; stored {result.stored['open']:,} opens, "
            f"{result.stored['click']:,} clicks; non-2xx/3xx {bad}; socket errors {errors}"
        )
    paced_ok = design.paced_rps >= GOAL_RPS * 0.95
    note = "" if paced_ok else f" at only {design.paced_rps:.0f} req/s"
    print(f"pixel_rps: {design.pixel.rps:.0f} req/s (goal: >= 1500)")
    print(f"pixel_p99_ms: {design.paced_p99_ms:.1f} ms{note} (goal: <= 50)")
    print(f"events_lost: {design.lost + baseline.lost} (goal: 0)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="Short runs (the whole bench in under a minute)."
    )
    parser.add_argument(
        "--database", default=os.environ.get("NEWSLETTER_BENCH_DATABASE_URL", PG_DEFAULT)
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--readers", type=int, default=5000)
    options = parser.parse_args()
    options.duration = 3.0 if options.quick else 20.0
    options.segment = 3.0 if options.quick else 10.0
    options.warmup = 1.0 if options.quick else 3.0
    return options


def main() -> int:
    options = parse_args()
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed (apt-get install wrk, or make system-packages); cannot run",
            file=sys.stderr,
        )
        return 2
    url, admin = create_database(options.database)
    engine = create_engine(url)
    folder = Path(tempfile.mkdtemp(prefix="bench-tracking-"))
    try:
        signer = TokenSigner(SECRET)
        tokens = [signer.sign(TokenPurpose.DELIVERY, d) for d in seed(engine, options.readers)]
        baseline = run_mode("direct", url, engine, tokens, options, folder)
        design = run_mode("buffered", url, engine, tokens, options, folder)
    finally:
        engine.dispose()
        drop_database(admin, url)
        shutil.rmtree(folder, ignore_errors=True)
    report(baseline, design, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
