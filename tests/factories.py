"""Factories that build valid rows with as little ceremony as a test needs."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from newsletter.auth.users import create_staff_user
from newsletter.models import Role, StaffUser

TEST_PASSWORD = "correct horse battery"


def make_staff(session: Session, email: str, roles: Iterable[str], name: str = "") -> StaffUser:
    """A staff account with the test password and the given role names."""
    return create_staff_user(session, email, TEST_PASSWORD, [Role(r) for r in roles], name=name)
