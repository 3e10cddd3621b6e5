"""Role checks for staff views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from newsletter.extensions import login_manager
from newsletter.models import Role

F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow a view to staff holding one of ``roles`` (admins always pass).

    Anonymous visitors are sent to the login page; logged-in staff without the role get 403.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        guarded.required_roles = frozenset(roles)  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def staff_required(view: F) -> F:
    """Allow a view to any logged-in staff member."""
    return roles_required(Role.ADMIN, Role.EDITOR, Role.OPERATOR)(view)
