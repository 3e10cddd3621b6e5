"""Staff accounts, their roles and API tokens."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from newsletter.models.base import Base, CreatedAt, UTCDateTime, enum_column


class Role(StrEnum):
    """What a staff member may do. Admins may do everything."""

    ADMIN = "admin"
    EDITOR = "editor"  # issues: import, edit, preview, test, schedule
    OPERATOR = "operator"  # sending, subscribers, suppression, dashboard


class StaffUser(UserMixin, CreatedAt, Base):
    """A member of staff who logs in to the web UI."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[StaffRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *wanted: Role) -> bool:
        """True when the user holds one of ``wanted`` roles, or is an admin."""
        held = self.roles
        return Role.ADMIN in held or any(role in held for role in wanted)


class StaffRole(Base):
    """One role held by a staff member."""

    __tablename__ = "staff_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = enum_column(Role, primary_key=True)


class ApiToken(CreatedAt, Base):
    """A token for the JSON API; only its SHA-256 is stored, it is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    # The first characters, shown in lists so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The one role the token acts with (editor or operator), whatever else its owner holds.
    scope: Mapped[Role] = enum_column(Role, default=Role.EDITOR)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[StaffUser] = relationship()

    @property
    def revoked(self) -> bool:
        """True once an admin revoked the token."""
        return self.revoked_at is not None
