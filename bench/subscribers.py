"""Subscriber import benchmark: 100,000 synthetic lines on SQLite and PostgreSQL.

Run on its own (no pytest):  .venv/bin/python bench/subscribers.py [--quick] [--database-url URL]

1. Writes a synthetic CSV (example.org addresses, mixed topics, both languages, confirmed and
   pending readers, about one bad line in a hundred).
2. On each backend, in a fresh migrated database: the import as the CLI runs it (check every
   line, then batches), then the same file again (idempotent: nothing changes).
3. The naive way in the same run, side by side on the same first lines: a row-by-row ORM
   import (validate, look up the address and its suppression, add, flush), against the real
   import of those lines into an empty database, alternating, best of three (two with
   --quick). The machine is noisy, so compare ratios.

PostgreSQL runs when --database-url or NEWSLETTER_TEST_DATABASE_URL names a server (its
maintenance database); a database is created for the run and dropped afterwards.
--quick imports 20,000 lines and compares on 1,000, within a minute.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from email_validator import EmailNotValidError, validate_email  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from newsletter import migrations  # noqa: E402
from newsletter.app import create_app  # noqa: E402
from newsletter.demo import seed_topics  # noqa: E402
from newsletter.extensions import db  # noqa: E402
from newsletter.models import (  # noqa: E402
    ConsentMethod,
    Subscriber,
    SubscriberStatus,
    Suppression,
    Topic,
)
from newsletter.subscriptions.transfer.importer import ImportSummary, import_file  # noqa: E402
from newsletter.subscriptions.transfer.jobs import import_options  # noqa: E402
from newsletter.subscriptions.transfer.plan import Outcome  # noqa: E402

SLUGS = ["capital", "compute", "regulation", "industrial-ai", "research"]
HEADER = (
    "email,name,topics,locale,time_zone,status,consent_at,consent_method,consent_ip,"
    "consent_form,receive_empty_issues\n"
)


def write_csv(path: Path, lines: int, seed: int = 7) -> int:
    """A synthetic list; returns how many lines are deliberately bad."""
    rng = random.Random(seed)
    bad = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("\ufeff" + HEADER)
        for number in range(lines):
            topics = ";".join(rng.sample(SLUGS, rng.randint(0, 3)))
            locale = "en" if number % 5 == 0 else "zh_CN"
            if number % 97 == 13:
                bad += 1
                out.write(f"reader-{number}-at-example.org,坏,{topics},{locale},,pending,,,,,\n")
                continue
            confirmed = number % 3 != 0
            consent = "2026-03-01T09:30:00+08:00,signup_form" if confirmed else ","
            status = "confirmed" if confirmed else "pending"
            empty = "no" if number % 7 == 0 else "yes"
            out.write(
                f"reader.{number}@example.org,读者{number},{topics},{locale},Asia/Shanghai,"
                f"{status},{consent},203.0.113.{number % 250},bench,{empty}\n"
            )
    return bad


@dataclass
class Backend:
    """A migrated, empty database and an app bound to it."""

    name: str
    url: str

    def app(self) -> object:
        return create_app(
            {"env": "test", "database_url": self.url, "secret_key": "b" * 48, "log_level": "ERROR"}
        )


@contextmanager
def sqlite_backend(folder: Path, label: str) -> Iterator[Backend]:
    url = f"sqlite:///{folder / f'{label}.sqlite'}"
    migrations.upgrade(url)
    yield Backend("sqlite", url)


@contextmanager
def postgresql_backend(server: str, label: str) -> Iterator[Backend]:
    admin_url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"bench_subscribers_{os.getpid()}_{label}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        migrations.upgrade(url)
        yield Backend("postgresql", url)
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def run_import(backend: Backend, path: Path) -> tuple[float, ImportSummary]:
    """The import as ``newsletter subscribers import`` runs it, timed."""
    app = backend.app()
    with app.app_context():  # type: ignore[attr-defined]
        with db.session_scope() as session:
            seed_topics(session)
        options = import_options(app.config["NEWSLETTER"], dry_run=False)  # type: ignore[attr-defined]
        session = db.new_session()
        try:
            start = time.perf_counter()
            with path.open("rb") as stream:
                summary = import_file(session, stream, options)
            return time.perf_counter() - start, summary
        finally:
            session.close()


def naive_import(backend: Backend, path: Path) -> float:
    """The baseline: one ORM round trip after another for every line."""
    app = backend.app()
    with app.app_context():  # type: ignore[attr-defined]
        with db.session_scope() as session:
            seed_topics(session)
        session = db.new_session()
        try:
            return timed(lambda: _row_by_row(session, path))
        finally:
            session.close()


def _row_by_row(session: Session, path: Path) -> None:
    topics = {topic.slug: topic for topic in session.scalars(select(Topic))}
    with path.open(encoding="utf-8-sig") as handle:
        next(handle)
        for line in handle:
            fields = line.rstrip("\n").split(",")
            try:
                email = validate_email(fields[0], check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                continue
            if session.scalar(select(Subscriber).where(Subscriber.email == email)) is not None:
                continue
            suppressed = select(Suppression).where(
                Suppression.email == email, Suppression.lifted_at.is_(None)
            )
            if session.scalar(suppressed) is not None:
                continue
            reader = Subscriber(email=email, name=fields[1], locale=fields[3])
            reader.topics = [topics[slug] for slug in fields[2].split(";") if slug]
            if fields[5] == "confirmed":
                reader.status = SubscriberStatus.CONFIRMED
                reader.consent_method = ConsentMethod(fields[7])
            session.add(reader)
            session.flush()
    session.commit()


def count_readers(backend: Backend) -> int:
    engine = create_engine(backend.url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Subscriber)) or 0)
    finally:
        engine.dispose()


@dataclass
class Figures:
    """What one backend measured."""

    name: str
    import_s: float
    reimport_s: float
    naive_lines_per_s: float
    fast_lines_per_s: float


def compare(backends: Callable[[str], object], path: Path, rounds: int) -> tuple[float, float]:
    """Best of ``rounds`` alternating runs of each way, each into a fresh database: other
    processes on a shared machine only ever make a run slower."""
    naive: list[float] = []
    fast: list[float] = []
    for round_number in range(rounds):
        with backends(f"naive{round_number}") as backend:  # type: ignore[attr-defined]
            naive.append(naive_import(backend, path))
        with backends(f"fast{round_number}") as backend:  # type: ignore[attr-defined]
            fast.append(run_import(backend, path)[0])
    return min(naive), min(fast)


def measure(
    backends: Callable[[str], object],
    name: str,
    files: dict[str, Path],
    lines: dict[str, int],
    rounds: int,
) -> Figures:
    with backends("full") as backend:  # type: ignore[attr-defined]
        import_s, summary = run_import(backend, files["full"])
        counts = summary.counts
        reimport_s, again = run_import(backend, files["full"])
        readers = count_readers(backend)
    print(
        f"  import {lines['full']:,} lines: {import_s:.2f} s "
        f"({lines['full'] / import_s:,.0f} lines/s); created {counts[Outcome.CREATED]:,}, "
        f"rejected {counts[Outcome.REJECTED]:,}; {readers:,} readers stored"
    )
    print(
        f"  the same file again: {reimport_s:.2f} s; unchanged {again.counts[Outcome.UNCHANGED]:,}"
        f", created {again.counts[Outcome.CREATED]}, updated {again.counts[Outcome.UPDATED]}"
    )
    naive_s, fast_s = compare(backends, files["sample"], rounds)
    sample = lines["sample"]
    print(
        f"  {sample:,} lines row by row (ORM): {naive_s:.2f} s ({sample / naive_s:,.0f} lines/s)"
        f"; the import: {fast_s:.2f} s ({sample / fast_s:,.0f} lines/s); best of {rounds}"
    )
    return Figures(name, import_s, reimport_s, sample / naive_s, sample / fast_s)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 lines, within a minute")
    parser.add_argument("--database-url", default=os.environ.get("NEWSLETTER_TEST_DATABASE_URL"))
    args = parser.parse_args(argv)
    lines = {"full": 20_000 if args.quick else 100_000, "sample": 1_000 if args.quick else 5_000}
    rounds = 2 if args.quick else 3
    with tempfile.TemporaryDirectory(prefix="bench-subscribers-") as tmp:
        folder = Path(tmp)
        files = {"full": folder / "readers.csv", "sample": folder / "sample.csv"}
        bad = write_csv(files["full"], lines["full"])
        write_csv(files["sample"], lines["sample"])
        print(f"synthetic list: {lines['full']:,} lines, {bad:,} of them bad")
        results = [_backend_run("sqlite", folder, files, lines, rounds)]
        if args.database_url:
            results.append(_backend_run("postgresql", args.database_url, files, lines, rounds))
        else:
            print("postgresql: skipped (no --database-url or NEWSLETTER_TEST_DATABASE_URL)")
    _report(results, lines["full"], args.quick)


def _backend_run(
    name: str, where: Path | str, files: dict[str, Path], lines: dict[str, int], rounds: int
) -> Figures:
    print(f"== {name}")
    if name == "sqlite":
        backends: Callable[[str], object] = lambda label: sqlite_backend(Path(where), label)  # noqa: E731
    else:
        backends = lambda label: postgresql_backend(str(where), label)  # noqa: E731
    return measure(backends, name, files, lines, rounds)


def _report(results: list[Figures], lines: int, quick: bool) -> None:
    slowest = max(results, key=lambda figures: figures.import_s)
    label = f"import_{lines // 1000}k_s"
    goal = 60 * lines / 100_000
    backends = ", ".join(f"{f.name} {f.import_s:.1f} s" for f in results)
    speedup = min(f.fast_lines_per_s / f.naive_lines_per_s for f in results)
    if quick:
        print("quick run: run without --quick for the 100,000-line figure")
    print(f"slower backend: {slowest.name} ({backends}); re-import: the same file again")
    print("row by row: the lower ratio of the backends, on the same first lines")
    reimport = max(f.reimport_s for f in results)
    print(f"{label}: {slowest.import_s:.1f} s (goal: <= {goal:.0f})")
    print(f"re{label}: {reimport:.1f} s (goal: <= {goal:.0f})")
    print(f"import_vs_row_by_row_orm: {speedup:.0f} x (goal: >= 10)")


if __name__ == "__main__":
    main()
