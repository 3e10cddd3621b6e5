"""Benchmark: the campaign page of a 1,000,000-delivery, 3,000,000-event campaign on PostgreSQL.

Creates a throw-away database, fills it with generate_series SQL, runs the roll-up the
metrics service runs, then times in one run, side by side:

- the real campaign page (Flask view through the test client, signed in as an operator),
  which reads the roll-ups, the snapshot and short index ranges;
- the naive baseline: the same figures computed from raw rows on each request (GROUP BY over
  the campaign's deliveries and events).

Usage: .venv/bin/python bench/dashboard.py [--quick] [--database-url URL]
``--quick`` uses a tenth of the rows and finishes within a minute. The server is
NEWSLETTER_BENCH_DATABASE_URL, else NEWSLETTER_TEST_DATABASE_URL, else the local one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from newsletter import migrations
from newsletter.app import create_app
from newsletter.auth.users import create_staff_user
from newsletter.demo import seed_topics
from newsletter.extensions import db
from newsletter.metrics import rollup, snapshots
from newsletter.models import Role

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
LINKS = 40
START = "2026-04-07 00:00:00+00"
PASSWORD = "bench password 0123"  # a throw-away database

DELIVERIES_SQL = """
INSERT INTO deliveries (campaign_id, variant_key, state, attempts, created_at, updated_at,
  sent_at, delivered_at, opened_at, machine_opened_at, clicked_at, bounced_at, complained_at,
  unsubscribed_at, last_error, transport_message_id)
SELECT :campaign,
  (ARRAY['*','capital','compute','capital+compute','research','regulation','-',
         'industrial-ai+research'])[1 + g % 8],
  CASE WHEN r < 0.010 THEN 'failed' WHEN r < 0.011 THEN 'in_doubt'
       WHEN r < 0.030 THEN 'skipped' ELSE 'sent' END,
  1, t0, t0,
  CASE WHEN r >= 0.030 THEN sent END,
  CASE WHEN r >= 0.030 AND s < 0.95 THEN sent + interval '20 seconds' END,
  CASE WHEN r >= 0.030 AND s < 0.40 THEN t0 + interval '3 hours' * s END,
  CASE WHEN r >= 0.030 AND t < 0.15 THEN t0 + interval '1 hour' * t END,
  CASE WHEN r >= 0.030 AND s < 0.08 THEN t0 + interval '5 hours' * s END,
  CASE WHEN r >= 0.030 AND s > 0.985 THEN t0 + interval '1 hour' END,
  CASE WHEN r >= 0.030 AND t > 0.9995 THEN t0 + interval '6 hours' END,
  CASE WHEN r >= 0.030 AND t BETWEEN 0.5 AND 0.503 THEN t0 + interval '4 hours' END,
  CASE WHEN r < 0.010 THEN '550 5.1.1 mailbox unavailable'
       WHEN r < 0.011 THEN 'worker lease lapsed while sending' END,
  CASE WHEN r >= 0.030 THEN 'bench-' || g END
FROM (SELECT g, random() AS r, random() AS s, random() AS t, t0,
             t0 + (g::float / CAST(:n AS int)) * interval '2 hours' AS sent
      FROM generate_series(1, CAST(:n AS int)) AS g,
           (SELECT CAST(:start AS timestamptz) AS t0) AS origin) AS rows
"""

EVENTS_SQL = """
INSERT INTO events (type, source, occurred_at, campaign_id, delivery_id, link_id, is_machine,
  detail)
SELECT kind,
  CASE WHEN kind IN ('delivery','bounce','complaint','send') THEN 'ses' ELSE 'tracking' END,
  t0 + interval '48 hours' * power(u, 3),
  :campaign,
  :first_delivery + floor(v * :deliveries)::bigint,
  CASE WHEN kind = 'click' THEN :first_link + floor(w * :links)::int END,
  kind IN ('open','click') AND w < 0.25,
  CASE WHEN kind = 'bounce' THEN jsonb_build_object('bounce_type',
       CASE WHEN w < 0.8 THEN 'Permanent' ELSE 'Transient' END) END
FROM (SELECT CASE WHEN r < 0.32 THEN 'delivery' WHEN r < 0.72 THEN 'open'
                  WHEN r < 0.88 THEN 'click' WHEN r < 0.887 THEN 'bounce'
                  WHEN r < 0.8872 THEN 'complaint' WHEN r < 0.889 THEN 'unsubscribe'
                  ELSE 'send' END AS kind,
             random() AS u, random() AS v, random() AS w, t0
      FROM (SELECT random() AS r FROM generate_series(1, CAST(:n AS int))) AS draws,
           (SELECT CAST(:start AS timestamptz) AS t0) AS origin) AS rows
"""

# The naive page: what the view would run without roll-ups and snapshots.
NAIVE_QUERIES = (
    """SELECT variant_key, state, count(*), count(sent_at), count(delivered_at),
              count(bounced_at), count(complained_at), count(opened_at),
              count(machine_opened_at), count(clicked_at), count(unsubscribed_at)
       FROM deliveries WHERE campaign_id = :campaign GROUP BY variant_key, state""",
    """SELECT date_trunc('hour', occurred_at), type, is_machine, count(*) FROM events
       WHERE campaign_id = :campaign AND type IN ('open', 'click')
         AND occurred_at >= CAST(:start AS timestamptz)
         AND occurred_at < CAST(:start AS timestamptz) + interval '48 hours'
       GROUP BY 1, 2, 3""",
    """SELECT link_id, is_machine, count(*), count(DISTINCT delivery_id) FROM events
       WHERE campaign_id = :campaign AND type = 'click' GROUP BY link_id, is_machine""",
    """SELECT type, count(*) FROM events
       WHERE campaign_id = :campaign AND type IN ('bounce', 'complaint', 'delivery')
       GROUP BY type""",
)


def main() -> None:
    """Build, roll up, measure, print one line per figure."""
    args = _arguments()
    deliveries = 100_000 if args.quick else 1_000_000
    events = deliveries * 3
    scale = "quick" if args.quick else "full"
    print(f"scale: {deliveries:,} deliveries, {events:,} events ({scale})")
    with _database(args.database_url) as url:
        app = create_app({"env": "test", "database_url": url, "secret_key": "b" * 48,
                          "base_url": "http://localhost", "WTF_CSRF_ENABLED": False})  # fmt: skip
        with app.app_context():
            campaign = _fill(deliveries, events)
            _roll_up(campaign)
            figures = _measure(app, campaign, args.requests)
        db.dispose()
    _report(figures)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows")
    parser.add_argument("--requests", type=int, default=15, help="timed page requests")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("NEWSLETTER_BENCH_DATABASE_URL")
        or os.environ.get("NEWSLETTER_TEST_DATABASE_URL")
        or DEFAULT_SERVER,
    )
    return parser.parse_args()


@contextmanager
def _database(server: str) -> Iterator[str]:
    """A new database on ``server``, migrated; dropped afterwards."""
    admin_url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"nl_bench_dashboard_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        migrations.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _fill(deliveries: int, events: int) -> int:
    started = time.perf_counter()
    session = db.session
    seed_topics(session)
    create_staff_user(session, "ops@bench.example", PASSWORD, [Role.OPERATOR])
    start = START
    issue = session.execute(text(
        "INSERT INTO issues (slug, title, \"window\", timezone, subject, preheader, source_format, "
        "source_text, revision, in_archive, created_at, updated_at) VALUES ('bench', "
        "'AI前沿发展日报', '', 'Asia/Shanghai', 'AI前沿发展日报', '', 'text', '', 1, true, "
        ":s, :s) RETURNING id"), {"s": start}).scalar_one()  # fmt: skip
    session.execute(text(
        "INSERT INTO tracked_links (issue_id, position, url, topics, created_at) "
        "SELECT :i, p, 'https://example.org/item/' || p, "
        "jsonb_build_array((ARRAY['capital','compute','research','regulation'])[1 + p % 4]), :s "
        "FROM generate_series(1, :n) p"), {"i": issue, "s": start, "n": LINKS})  # fmt: skip
    campaign = session.execute(text(
        "INSERT INTO campaigns (issue_id, name, status, audience, schedule_timezone, "
        "track_opens, track_clicks, pause_reason, started_at, snapshot_at, finished_at, "
        "recipients_count, sent_count, failed_count, skipped_count, created_at, updated_at) "
        "VALUES (:i, 'bench', 'sent', '{}', 'Asia/Shanghai', true, true, '', :s, :s, :s, "
        ":n, :sent, :failed, :skipped, :s, :s) RETURNING id"),
        {"i": issue, "s": start, "n": deliveries, "sent": int(deliveries * 0.97),
         "failed": int(deliveries * 0.01), "skipped": int(deliveries * 0.019)},
    ).scalar_one()  # fmt: skip
    session.execute(text(DELIVERIES_SQL), {"campaign": campaign, "start": start, "n": deliveries})
    first_delivery = session.execute(text("SELECT min(id) FROM deliveries")).scalar_one()
    first_link = session.execute(text("SELECT min(id) FROM tracked_links")).scalar_one()
    session.execute(text(EVENTS_SQL), {
        "campaign": campaign, "start": start, "n": events, "first_delivery": first_delivery,
        "deliveries": deliveries, "first_link": first_link, "links": LINKS,
    })  # fmt: skip
    session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    print(f"filled in {time.perf_counter() - started:.1f} s")
    return int(campaign)


def _roll_up(campaign: int) -> None:
    session = db.session
    started = time.perf_counter()
    result = rollup.roll_up_all_events(session)
    rollup.recount_sends(session)
    session.commit()
    rolled = time.perf_counter() - started
    started = time.perf_counter()
    snapshots.store_campaign_snapshot(session, campaign)
    snapshots.store_overall_snapshot(session)
    session.commit()
    snapshot = time.perf_counter() - started
    print(f"rolled up {result.events:,} events in {rolled:.1f} s; snapshot in {snapshot:.2f} s")
    _ROLLUP.update({"rollup_full_s": rolled, "snapshot_refresh_ms": snapshot * 1000})


_ROLLUP: dict[str, float] = {}


def _measure(app: object, campaign: int, requests: int) -> dict[str, float]:
    client = app.test_client()  # type: ignore[attr-defined]
    client.post("/admin/login", data={"email": "ops@bench.example", "password": PASSWORD})
    page = f"/admin/dashboard/campaigns/{campaign}"
    assert client.get(page).status_code == 200, "the campaign page did not render"

    def view() -> None:
        response = client.get(page)
        assert response.status_code == 200

    def naive() -> None:
        values = {"campaign": campaign, "start": START}
        with db.engine.connect() as connection:
            for query in NAIVE_QUERIES:
                connection.execute(text(query), values).all()

    def progress() -> None:
        assert client.get(page + "/progress.json").status_code == 200

    def overview() -> None:
        assert client.get("/admin/dashboard/").status_code == 200

    figures = dict(_ROLLUP)
    figures["campaign_page_ms"] = _median_ms(view, requests)
    figures["naive_queries_ms"] = _median_ms(naive, max(3, requests // 5))
    figures["progress_json_ms"] = _median_ms(progress, requests)
    figures["overview_page_ms"] = _median_ms(overview, max(3, requests // 3))
    figures["incremental_rollup_ms"] = _incremental(campaign)
    return figures


def _incremental(campaign: int) -> float:
    """One pass over 10,000 new events: the steady-state cost of the service."""
    db.session.execute(text(EVENTS_SQL), {
        "campaign": campaign, "start": "now", "n": 10_000,
        "first_delivery": db.session.execute(text("SELECT min(id) FROM deliveries")).scalar_one(),
        "deliveries": 1000, "first_link": 1, "links": LINKS,
    })  # fmt: skip
    db.session.commit()
    started = time.perf_counter()
    rollup.roll_up_all_events(db.session)
    return (time.perf_counter() - started) * 1000


def _median_ms(action: Callable[[], None], times: int) -> float:
    action()  # warm caches and the plan cache
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _report(figures: dict[str, float]) -> None:
    ratio = figures["naive_queries_ms"] / max(figures["campaign_page_ms"], 0.001)
    print(f"rollup_full_s: {figures['rollup_full_s']:.1f} s (goal: once; then incremental)")
    print(f"snapshot_refresh_ms: {figures['snapshot_refresh_ms']:.0f} ms (goal: background only)")
    print(f"incremental_rollup_ms: {figures['incremental_rollup_ms']:.0f} ms "
          "(goal: <= 1000 per 10,000 new events)")  # fmt: skip
    print(f"progress_json_ms: {figures['progress_json_ms']:.1f} ms (goal: <= 50)")
    print(f"overview_page_ms: {figures['overview_page_ms']:.1f} ms (goal: <= 500)")
    print(f"naive_queries_ms: {figures['naive_queries_ms']:.0f} ms (baseline, queries only)")
    print(f"page_speedup_vs_naive: {ratio:.1f} x (goal: >= 5 at 1,000,000 deliveries)")
    print(f"campaign_page_ms: {figures['campaign_page_ms']:.1f} ms (goal: <= 300)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
