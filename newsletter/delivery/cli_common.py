"""What every ``newsletter campaigns`` command shares: who acts, and finding the campaign."""

from __future__ import annotations

import getpass

import click
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import Campaign


def cli_actor() -> audit.Actor:
    """Who acts from the command line: the operating-system account running it."""
    return audit.Actor("system", None, f"cli:{getpass.getuser()}")


def load(session: Session, campaign_id: int) -> Campaign:
    """The campaign as the database has it now, or a clear error naming the id."""
    session.expire_all()
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"no campaign {campaign_id}; `newsletter campaigns list`")
    return campaign
