"""``newsletter users``: staff accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from newsletter import audit
from newsletter.auth.users import (
    StaffAccountError,
    create_staff_user,
    deactivate,
    find_staff_user,
    generate_password,
    set_password,
    set_roles,
)
from newsletter.extensions import db
from newsletter.models import Role, StaffUser

CLI_ACTOR = audit.Actor("system", None, "cli")
ROLE_CHOICE = click.Choice([role.value for role in Role])


@click.group("users")
def users_group() -> None:
    """Manage staff accounts."""


@users_group.command("create")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=ROLE_CHOICE,
    required=True,
    help="admin, editor or operator; repeat for several.",
)
@click.option("--name", default="", help="Display name.")
@click.option(
    "--password", default=None, help="Password; without it one is generated and printed once."
)
@with_appcontext
def create_command(email: str, roles: tuple[str, ...], name: str, password: str | None) -> None:
    """Create a staff account with the given roles."""
    chosen = password or generate_password()
    with db.session_scope() as session:
        try:
            user = create_staff_user(session, email, chosen, [Role(r) for r in roles], name=name)
        except StaffAccountError as exc:
            raise click.ClickException(str(exc)) from exc
        audit.record(
            session,
            "staff.create",
            actor=CLI_ACTOR,
            entity_type="staff_user",
            entity_id=user.id,
            detail={"email": user.email, "roles": sorted(roles)},
        )
        click.echo(f"created {user.email} with roles {', '.join(sorted(roles))}")
    if password is None:
        click.echo(f"password: {chosen}")


@users_group.command("list")
@with_appcontext
def list_command() -> None:
    """List staff accounts with their roles."""
    with db.session_scope() as session:
        for user in session.scalars(select(StaffUser).order_by(StaffUser.email)):
            state = "active" if user.active else "inactive"
            click.echo(f"{user.email:<40} {','.join(sorted(user.roles)):<24} {state}")


def _user(session: object, email: str) -> StaffUser:
    user = find_staff_user(session, email)  # type: ignore[arg-type]
    if user is None:
        raise click.ClickException(f"no staff account for {email}")
    return user


@users_group.command("set-roles")
@click.argument("email")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE, required=True)
@with_appcontext
def set_roles_command(email: str, roles: tuple[str, ...]) -> None:
    """Replace the roles of an account."""
    with db.session_scope() as session:
        user = _user(session, email)
        try:
            set_roles(session, user, [Role(r) for r in roles])
        except StaffAccountError as exc:
            raise click.ClickException(str(exc)) from exc
        audit.record(
            session,
            "staff.roles",
            actor=CLI_ACTOR,
            entity_type="staff_user",
            entity_id=user.id,
            detail={"roles": sorted(roles)},
        )
    click.echo(f"{email}: {', '.join(sorted(roles))}")


@users_group.command("reset-password")
@click.argument("email")
@with_appcontext
def reset_password_command(email: str) -> None:
    """Give an account a new random password, printed once."""
    password = generate_password()
    with db.session_scope() as session:
        user = _user(session, email)
        set_password(user, password)
        audit.record(
            session,
            "staff.password_reset",
            actor=CLI_ACTOR,
            entity_type="staff_user",
            entity_id=user.id,
        )
    click.echo(f"new password for {email}: {password}")


@users_group.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate_command(email: str) -> None:
    """Stop an account from signing in."""
    with db.session_scope() as session:
        user = _user(session, email)
        try:
            deactivate(session, user)
        except StaffAccountError as exc:
            raise click.ClickException(str(exc)) from exc
        audit.record(
            session,
            "staff.deactivate",
            actor=CLI_ACTOR,
            entity_type="staff_user",
            entity_id=user.id,
        )
    click.echo(f"{email} can no longer sign in")
