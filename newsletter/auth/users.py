"""Staff accounts: creating them, checking passwords, changing roles."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from newsletter.models import Role, StaffRole, StaffUser, utcnow

MIN_PASSWORD_LENGTH = 10

# Checked when the address is unknown, so a failed login takes as long either way and the
# timing does not tell which staff addresses exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class StaffAccountError(ValueError):
    """A staff account cannot be created or changed as asked; the message says why."""


def normalise_staff_email(email: str) -> str:
    """Validate a staff address and return it normalised, or raise StaffAccountError."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise StaffAccountError(f"{email!r} is not a valid email address: {exc}") from exc


def generate_password() -> str:
    """A random password for a new account, shown once."""
    return secrets.token_urlsafe(12)


def create_staff_user(
    session: Session,
    email: str,
    password: str,
    roles: Iterable[Role],
    name: str = "",
) -> StaffUser:
    """Add a staff account; raises StaffAccountError for a taken address or weak password."""
    address = normalise_staff_email(email)
    if find_staff_user(session, address) is not None:
        raise StaffAccountError(f"a staff account for {address} already exists")
    check_password_strength(password)
    wanted = set(roles)
    if not wanted:
        raise StaffAccountError("give the account at least one role: admin, editor or operator")
    user = StaffUser(
        email=address, name=name.strip(), password_hash=generate_password_hash(password)
    )
    user.role_rows = [StaffRole(role=role) for role in sorted(wanted)]
    session.add(user)
    session.flush()
    return user


def check_password_strength(password: str) -> None:
    """Refuse passwords that are too short to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffAccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


def set_password(user: StaffUser, password: str) -> None:
    """Replace a user's password after checking its strength."""
    check_password_strength(password)
    user.password_hash = generate_password_hash(password)


def set_roles(session: Session, user: StaffUser, roles: Iterable[Role]) -> None:
    """Replace a user's roles, keeping at least one active admin in the system."""
    wanted = set(roles)
    if not wanted:
        raise StaffAccountError("a staff account needs at least one role")
    if Role.ADMIN in user.roles and Role.ADMIN not in wanted:
        _refuse_if_last_admin(session, user)
    user.role_rows = [row for row in user.role_rows if row.role in wanted]
    held = user.roles
    user.role_rows.extend(StaffRole(role=role) for role in sorted(wanted - held))
    session.flush()


def deactivate(session: Session, user: StaffUser) -> None:
    """Stop a user from logging in; the last active admin cannot be deactivated."""
    if Role.ADMIN in user.roles:
        _refuse_if_last_admin(session, user)
    user.active = False
    session.flush()


def _refuse_if_last_admin(session: Session, user: StaffUser) -> None:
    admins = session.scalar(
        select(func.count())
        .select_from(StaffUser)
        .join(StaffRole)
        .where(StaffRole.role == Role.ADMIN, StaffUser.active.is_(True), StaffUser.id != user.id)
    )
    if not admins:
        raise StaffAccountError("this is the last active admin; make another admin first")


def find_staff_user(session: Session, email: str) -> StaffUser | None:
    """The account with this address, or None."""
    return session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """The active account matching the credentials, or None; records the login time."""
    user = find_staff_user(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user
