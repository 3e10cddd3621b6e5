"""The load-and-fault drill: a campaign sends to an SES-compatible endpoint while things break.

Run it with ``make drill`` or ``.venv/bin/python bench/drill.py [--quick]`` (as root: the
private PostgreSQL runs as the postgres user). --quick sends 1,200 readers and finishes
within a minute; the full run sends 20,000.

1. Starts its own servers on free loopback ports, in a temporary folder: a PostgreSQL
   cluster (initdb), Redis, moto's server as SES, the app under gunicorn and two
   ``newsletter worker`` processes (production settings, SES transport, Redis pacing).
2. Seeds N confirmed readers with topic choices, imports the demo issue, and schedules the
   campaign through the lifecycle; the workers' scheduler starts it.
3. While it sends, in order: a signup burst through the public form, a tracking burst (open
   pixels and clicks with the real tokens of sent rows), a worker SIGKILL (and a
   replacement), a Redis restart and a PostgreSQL restart (``pg_ctl restart -m fast``). Each
   is printed with the ledger's rows per state before and after and the error lines the
   processes logged meanwhile. A light trickle of web requests runs throughout.
4. The rows the killed worker left in doubt are settled as an operator would: reconciled
   where SES (moto) holds a message carrying the row's delivery token, resent where it holds
   none (the worker is dead, so none can still arrive); see _drill_checks.recover_in_doubt.
5. Checks: no reader got two messages (moto's received messages per address, and the
   ledger), no row was lost (every snapshot row in exactly one terminal state, and the rows
   marked sent are exactly those SES received), every HTTP request got an answer.

Ends with ``drill_duplicates``, ``drill_lost`` and ``drill_unanswered``; exits 1 when any
goal is missed. Every process and the temporary folder are removed on the way out, also
after a failure or Ctrl-C (``--keep`` keeps the folder and its logs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _drill_checks import (
    Verdict,
    check_confirmations,
    check_delivery,
    check_pacing,
    recover_in_doubt,
)
from _drill_faults import (
    Run,
    await_reaper,
    kill_worker,
    restart_postgres,
    restart_redis,
    signups,
    tracking,
)
from _drill_moto import read_received, verify_sender
from _drill_observe import LogWatch, Step, settled, show, states, wait_for
from _drill_seed import wait_for_start
from _drill_servers import ROOT, Stack
from _drill_traffic import SIGNUP_DOMAIN, Background, Ledger, describe
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from newsletter.audit import Actor
from newsletter.models import utcnow

SECRET = "drill-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
SENDER_ADDRESS = "daily@news.drill.example.org"
# Faults fire when this share of the snapshot has been sent, in this order.
FAULTS = (
    ("signup burst", signups, 0.06),
    ("tracking burst", tracking, 0.12),
    # Early, so the reaper's lease (at least 30 s) runs out while the campaign still sends.
    ("worker SIGKILL", kill_worker, 0.20),
    ("Redis restart", restart_redis, 0.45),
    ("PostgreSQL restart", restart_postgres, 0.65),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,200 readers, within a minute")
    parser.add_argument("--readers", type=int, help="readers in the campaign (default 20,000)")
    parser.add_argument("--rate", type=float, help="messages per second (MaxSendRate)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and logs")
    options = parser.parse_args()
    # --quick: small bursts and a slow pace, so that the kill comes early enough for the
    # reaper's lease (30 s) to run out while the campaign still sends, within the minute.
    options.readers = options.readers or (1200 if options.quick else 20000)
    options.rate = options.rate or (40.0 if options.quick else 110.0)
    options.signups = 40 if options.quick else 400
    options.tracking_hits = 100 if options.quick else 2000
    # Rows a sender thread claims at once (the default, 200, in the full run): 8 threads
    # would otherwise hold the whole quick campaign from the first second.
    options.batch_size = 25 if options.quick else 200
    options.lease = 30  # the shortest lease the settings accept
    options.settle = 1.0 if options.quick else 4.0
    return options


def app_environment(stack: Stack, options: argparse.Namespace) -> dict[str, str]:
    """Production-like settings for every process of the run (SES pointed at moto)."""
    database = stack.start_postgres()
    redis_url = stack.start_redis()
    ses = stack.start_moto()
    verify_sender(ses, SENDER_ADDRESS)
    return {
        "NEWSLETTER_ENV": "production",
        "NEWSLETTER_SECRET_KEY": SECRET,
        "NEWSLETTER_DATABASE_URL": database,
        "NEWSLETTER_BASE_URL": "https://news.drill.example.org",
        "NEWSLETTER_SENDER": f"AI前沿发展日报 <{SENDER_ADDRESS}>",
        "NEWSLETTER_POSTAL_ADDRESS": "上海市浦东新区示例路 1 号",
        "NEWSLETTER_TRANSPORT": "ses",
        "NEWSLETTER_SES_REGION": "us-east-1",
        "NEWSLETTER_SES_ENDPOINT_URL": ses,
        "NEWSLETTER_REDIS_URL": redis_url,
        "NEWSLETTER_MAX_SEND_RATE": str(options.rate),
        "NEWSLETTER_MAX_24H_SEND": "10000000",
        "NEWSLETTER_SEND_LEASE_SECONDS": str(options.lease),
        "NEWSLETTER_SENDER_THREADS": "4",
        "NEWSLETTER_BATCH_SIZE": str(options.batch_size),
        # One trusted proxy: the signup burst comes from many client addresses, as it would
        # behind a load balancer, so the per-address limits see readers, not the drill.
        "NEWSLETTER_TRUSTED_PROXIES": "1",
        "NEWSLETTER_LOG_LEVEL": "INFO",
        # moto accepts any credentials; these only satisfy boto3's chain.
        "AWS_ACCESS_KEY_ID": "drill",
        "AWS_SECRET_ACCESS_KEY": "drill",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def prepare(env: dict[str, str], options: argparse.Namespace) -> tuple[Flask, int, Actor]:
    """Migrate, seed and schedule; returns the app, the campaign id and the operator."""
    from _drill_seed import import_demo_issue, make_operator, schedule_campaign, seed_readers

    from newsletter import migrations
    from newsletter.app import create_app
    from newsletter.extensions import db

    os.environ.update(env)
    migrations.upgrade(env["NEWSLETTER_DATABASE_URL"])
    app = create_app()
    began = time.monotonic()
    with app.app_context(), db.session_scope() as session:
        choices = seed_readers(session, options.readers)
        issue_id = import_demo_issue(session)
        operator = make_operator(session)
        campaign_id = schedule_campaign(session, issue_id, operator, in_seconds=2)
    print(
        f"seeded {options.readers:,} confirmed readers ({choices:,} topic choices), issue "
        f"{issue_id}, campaign {campaign_id} scheduled in 2 s ({time.monotonic() - began:.1f} s)",
        flush=True,
    )
    return app, campaign_id, operator


def run_faults(run: Run, total: int) -> None:
    """Fire each fault when its share of the campaign has been sent."""
    for name, action, share in FAULTS:
        target = int(total * share)
        counts = wait_for(
            run.engine, run.campaign_id, lambda c, t=target: c.get("sent", 0) >= t, 600
        )
        if counts.get("sent", 0) < target:
            print(f"  ({name}: only {counts.get('sent', 0)} of {target} sent after 10 min)")
        run.step(name, lambda step, action=action: action(run, step))


def operator_recovery(run: Run, app: Flask, operator: Actor, endpoint: str) -> None:
    """Wait for the workers to finish, then settle the in-doubt rows and wait again."""
    from newsletter.extensions import db

    reaped = await_reaper(run)
    counts = wait_for(run.engine, run.campaign_id, settled, 900)
    run.operator_wall = utcnow()
    print(f"[t+{time.monotonic() - run.started:6.1f}s] workers done: {show(counts)}", flush=True)

    def act(step: Step) -> None:
        received = read_received(endpoint, run.signer)
        with app.app_context(), db.session_scope() as session:
            outcome = recover_in_doubt(session, run.campaign_id, received, operator, run.dead_pids)
        step.notes += [reaped, outcome.line()]
        after = wait_for(run.engine, run.campaign_id, settled, 300)
        step.notes.append(f"after the resent rows went out: {show(after)}")

    run.step("operator settles in-doubt rows", act)


def report(run: Run, verdict: Verdict, began: float) -> int:
    """Print the figures; 0 when every goal is met."""
    ledger = run.ledger
    print("\nHTTP requests (sent -> answers):")
    for kind in sorted(ledger.sent):
        sent, statuses, unanswered = ledger.snapshot(kind)
        print(f"  {kind:<12} {sent:>6} -> {describe(statuses)}; no answer {unanswered}")
    for error, n in ledger.errors.most_common(5):
        print(f"  no answer: {n} x {error}")
    for moment, kind, request, error in ledger.misses[:20]:
        print(f"  [t+{moment - run.started:6.1f}s] no answer to {kind} {request}: {error}")
    print("\nChecks:")
    for line in verdict.details:
        print(f"  {line}")
    unanswered = ledger.total_unanswered()
    print(f"  the drill took {time.monotonic() - began:.0f} s in all, servers included")
    print(f"drill_duplicates: {verdict.duplicates} (goal: 0)")
    print(f"drill_lost: {verdict.lost} (goal: 0)")
    print(f"drill_unanswered: {unanswered} (goal: 0)")
    return 0 if verdict.duplicates == verdict.lost == unanswered == 0 else 1


def drill(options: argparse.Namespace, stack: Stack) -> tuple[Run, Verdict]:
    """Run the whole drill on ``stack``; returns what the report needs."""
    from newsletter.extensions import db
    from newsletter.signing import TokenSigner

    env = app_environment(stack, options)
    app, campaign_id, operator = prepare(env, options)
    engine = create_engine(env["NEWSLETTER_DATABASE_URL"], pool_pre_ping=True)
    # The children import the app from this checkout, whatever the venv was installed from.
    worker_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    began = time.monotonic()
    # The workers start first: their scheduler starts the campaign while gunicorn boots.
    workers = {name: stack.start_worker(name, worker_env) for name in ("worker-1", "worker-2")}
    web = stack.start_web({**worker_env, "NEWSLETTER_LOG_LEVEL": "WARNING"})
    run = Run(
        stack=stack,
        engine=engine,
        campaign_id=campaign_id,
        web=web,
        worker_env=worker_env,
        signer=TokenSigner(SECRET),
        ledger=Ledger(),
        logs=LogWatch(stack.folder),
        signups=options.signups,
        tracking_hits=options.tracking_hits,
        threads=8,
        settle=options.settle,
        lease_seconds=options.lease,
        started=began,
        workers=workers,
    )
    total = wait_for_start(sessionmaker(engine), campaign_id, 60)
    print(
        f"[t+{time.monotonic() - run.started:6.1f}s] campaign started: {total:,} rows", flush=True
    )
    background = Background(run.ledger, web)
    background.start()
    try:
        run_faults(run, total)
        operator_recovery(run, app, operator, env["NEWSLETTER_SES_ENDPOINT_URL"])
    finally:
        background.stop()
    received = read_received(env["NEWSLETTER_SES_ENDPOINT_URL"], run.signer)
    with app.app_context(), db.session_scope() as session:
        verdict = check_delivery(session, campaign_id, received)
        verdict.details.append(check_confirmations(session, received, SIGNUP_DOMAIN))
        verdict.details.append(check_pacing(session, campaign_id, options.rate, run.operator_wall))
    print(f"final ledger: {show(states(engine, campaign_id))}")
    engine.dispose()
    return run, verdict


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def missing_engine() -> list[str]:
    """The delivery engine's modules the drill drives that this checkout lacks."""
    import importlib.util

    wanted = ("lifecycle", "recovery", "reconcile", "transports.factory")
    return [
        name for name in wanted if importlib.util.find_spec(f"newsletter.delivery.{name}") is None
    ]


def main() -> int:
    options = parse_args()
    options.began = time.monotonic()
    if missing := missing_engine():
        print(f"the delivery engine lacks {', '.join(missing)}: nothing to drill", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print(
            "the drill runs its own PostgreSQL as the postgres user: run it as root",
            file=sys.stderr,
        )
        return 2
    # Only the drill's own settings: a NEWSLETTER_* variable of the calling shell (another
    # database, the Celery executor) must not reach its processes.
    for name in [name for name in os.environ if name.startswith("NEWSLETTER_")]:
        del os.environ[name]
    folder = Path(tempfile.mkdtemp(prefix="newsletter-drill-"))
    stack = Stack(folder)
    # Ctrl-C and SIGTERM both end the run through the clean-up below (SIGINT explicitly: a
    # shell starting the drill in the background would otherwise have it ignored).
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        run, verdict = drill(options, stack)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping every process of the drill", file=sys.stderr)
        return 130
    finally:
        began = time.monotonic()
        stack.stop_all()
        print(f"every process stopped in {time.monotonic() - began:.1f} s")
        if options.keep:
            print(f"logs and data kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    # After the clean-up, so that the three figures are the last lines of the output.
    return report(run, verdict, options.began)


if __name__ == "__main__":
    sys.exit(main())
