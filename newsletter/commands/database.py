"""``newsletter db``: migrations and the starting data."""

from __future__ import annotations

import click
from alembic import command
from flask import current_app
from flask.cli import with_appcontext

from newsletter import migrations
from newsletter.demo import seed_topics
from newsletter.extensions import db


@click.group("db")
def db_group() -> None:
    """Migrate the database schema."""


def _url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision: str) -> None:
    """Migrate up to REVISION (default: the newest) and seed the topics of a new database."""
    migrations.upgrade(_url(), revision)
    with db.session_scope() as session:
        added = seed_topics(session)
    click.echo(f"database at {migrations.current_revision(db.engine)}")
    if added:
        click.echo(f"seeded {added} topics")


@db_group.command("downgrade")
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def downgrade_command(revision: str, yes: bool) -> None:
    """Migrate down to REVISION (``base`` removes every table and its data)."""
    if not yes:
        click.confirm(f"Migrate {db.engine.url.render_as_string()} down to {revision}?", abort=True)
    migrations.downgrade(_url(), revision)
    click.echo(f"database at {migrations.current_revision(db.engine) or 'base'}")


@db_group.command("current")
@with_appcontext
def current_command() -> None:
    """Show the database's revision and the newest one available."""
    current = migrations.current_revision(db.engine)
    head = migrations.head_revision()
    click.echo(f"database: {current or 'empty'}; newest: {head}")
    if current != head:
        raise SystemExit(1)


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@with_appcontext
def revision_command(message: str) -> None:
    """Generate a migration from the difference between the models and the database."""
    config = migrations.alembic_config(_url())
    command.revision(config, message=message, autogenerate=True)
    click.echo("review the generated script before committing it")
    current_app.logger.info("generated a migration: %s", message)
