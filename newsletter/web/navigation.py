"""The staff navigation: which sections exist and which roles see them.

An entry appears once its endpoint is registered, so features add themselves to the menu by
existing; each entry is shown only to the roles that may open it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user

from newsletter.models import Role


@dataclass(frozen=True)
class NavItem:
    """One entry of the staff menu."""

    label: LazyString | str
    endpoint: str
    roles: frozenset[Role]


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem(_l("Issues"), "editor.issue_list", frozenset({Role.EDITOR})),
    NavItem(_l("Subscribers"), "operators.subscribers", frozenset({Role.OPERATOR})),
    NavItem(_l("Sending"), "sending.campaign_list", frozenset({Role.OPERATOR})),
    NavItem(_l("Outbox"), "outbox.message_list", frozenset({Role.OPERATOR})),
    NavItem(_l("Dashboard"), "dashboard.overview", frozenset({Role.OPERATOR})),
    NavItem(_l("Settings"), "web.settings", frozenset({Role.EDITOR, Role.OPERATOR})),
)


def visible_nav_items() -> list[NavItem]:
    """The entries the current staff member may open and the app provides."""
    if not current_user.is_authenticated:
        return []
    return [
        item
        for item in NAV_ITEMS
        if item.endpoint in current_app.view_functions and current_user.has_role(*item.roles)
    ]
