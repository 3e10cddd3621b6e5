"""The ``newsletter`` console command: one Flask CLI group, sub-groups per noun."""

from __future__ import annotations

from flask.cli import FlaskGroup, routes_command, shell_command

from newsletter.app import create_app
from newsletter.commands.configuration import check_config_command
from newsletter.commands.database import db_group
from newsletter.commands.server import run_command, worker_command
from newsletter.commands.subscribers import subscribers_group
from newsletter.commands.users import users_group
from newsletter.delivery.cli import campaigns_group
from newsletter.issues.commands import issues_group
from newsletter.metrics.cli import metrics_group
from newsletter.tracking.commands import ses_group, tracking_group


def build_cli() -> FlaskGroup:
    """Assemble the command group with every feature's commands."""
    group = FlaskGroup(
        name="newsletter",
        help="Newsletter delivery for the AI前沿发展日报.",
        create_app=create_app,
        add_default_commands=False,
        add_version_option=False,
        load_dotenv=False,
        set_debug_flag=False,
    )
    for command in (
        run_command,
        worker_command,
        db_group,
        users_group,
        subscribers_group,
        campaigns_group,
        issues_group,
        metrics_group,
        ses_group,
        tracking_group,
        check_config_command,
        routes_command,
        shell_command,
    ):
        group.add_command(command)
    return group


main = build_cli()
