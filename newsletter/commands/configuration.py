"""``newsletter check-config``: the effective configuration, secrets masked."""

from __future__ import annotations

import dataclasses

import click
from flask import current_app
from flask.cli import with_appcontext

from newsletter.config import PREFIX, Settings, env_example


@click.command("check-config")
@click.option("--example", is_flag=True, help="Print a commented .env.example instead.")
@with_appcontext
def check_config_command(example: bool) -> None:
    """Print every setting as the process sees it, with secrets masked.

    Reaching this point means the settings passed the start-up checks.
    """
    if example:
        click.echo(env_example(), nl=False)
        return
    settings: Settings = current_app.config["NEWSLETTER"]
    helps = {
        PREFIX + spec.name.upper(): spec.metadata["help"] for spec in dataclasses.fields(settings)
    }
    width = max(len(name) for name in helps)
    for name, value in settings.masked().items():
        click.echo(f"{name:<{width}}  {value}")
    click.echo()
    click.secho(f"configuration OK ({settings.env})", fg="green")
