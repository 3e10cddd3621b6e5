"""``newsletter run`` (web app plus background services) and ``newsletter worker``."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from newsletter import migrations
from newsletter.demo import DemoLogin, ensure_demo_admin, ensure_demo_issue, seed_topics
from newsletter.extensions import db
from newsletter.runtime import ServiceRunner


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-services", is_flag=True, help="Serve the web app only (no scheduler/sender).")
@with_appcontext
def run_command(host: str, port: int, no_services: bool) -> None:
    """Serve the web app with the scheduler and sender threads in one process.

    For a laptop or a small list. In development a new database is migrated and filled with
    the demo topics, a demo admin and a demo issue on first start.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    _prepare_database(app)
    runner = None if no_services else ServiceRunner.start(app)
    base = f"http://{host}:{port}"
    click.secho(f"\nNewsletter is running at {base}/", fg="green", bold=True)
    click.echo(f"  staff sign-in:   {base}/admin/login")
    click.echo(f"  readers' signup: {base}/subscribe")
    click.echo(f"  public archive:  {base}/archive")
    if runner is not None:
        click.echo(f"  background:      {', '.join(runner.names) or 'no services registered'}")
    _raise_keyboard_interrupt_on_sigterm()
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        if runner is not None:
            runner.stop()


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run the scheduler and sender threads without the web app (production, one machine)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    _prepare_database(app, first_start=False)
    runner = ServiceRunner.start(app)
    click.echo(f"worker running: {', '.join(runner.names) or 'no services registered'}")
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    click.echo("stopping: finishing the messages in hand")
    runner.stop()


def _prepare_database(app: Flask, first_start: bool = True) -> None:
    """Bring a development database up to date; refuse to run on a stale production one."""
    settings = app.config["NEWSLETTER"]
    current, head = migrations.current_revision(db.engine), migrations.head_revision()
    if current != head:
        if settings.is_production:
            raise click.ClickException(
                f"the database schema is at {current or 'empty'}, the code needs {head}: "
                "run `newsletter db upgrade` first"
            )
        migrations.upgrade(db.engine.url.render_as_string(hide_password=False))
    if first_start and not settings.is_production:
        _first_start(app)


def _first_start(app: Flask) -> None:
    with db.session_scope() as session:
        seed_topics(session)
        login = ensure_demo_admin(session)
        demo_issue = ensure_demo_issue(session)
        demo_slug = demo_issue.slug if demo_issue is not None else None
    if login is not None:
        _announce_demo_login(app, login)
    if demo_slug is not None:
        click.echo(f"A demo issue ({demo_slug}) with a draft campaign is at /admin/issues/")


def _announce_demo_login(app: Flask, login: DemoLogin) -> None:
    note = Path(app.instance_path) / "demo-admin.txt"
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text(f"email: {login.email}\npassword: {login.password}\n")
    note.chmod(0o600)
    click.secho("\nA demo admin account was created (this is shown once):", fg="yellow")
    click.echo(f"  email:    {login.email}\n  password: {login.password}")
    click.echo(f"  (also saved in {note}; change it with `newsletter users reset-password`)")


def _raise_keyboard_interrupt_on_sigterm() -> None:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
