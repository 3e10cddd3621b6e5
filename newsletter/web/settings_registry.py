"""Sections of the Settings page, contributed by the features that own them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from newsletter.models import Role


@dataclass(frozen=True)
class SettingsSection:
    """A link on the Settings page to one feature's settings."""

    label: LazyString | str
    description: LazyString | str
    endpoint: str
    roles: frozenset[Role]


SETTINGS_SECTIONS: tuple[SettingsSection, ...] = (
    SettingsSection(
        _l("Staff accounts"),
        _l("Who can sign in, and with which roles."),
        "staff.index",
        frozenset({Role.ADMIN}),
    ),
    SettingsSection(
        _l("Topics"),
        _l("Topic names and the keywords that suggest them for items."),
        "topics_admin.index",
        frozenset({Role.ADMIN}),
    ),
    SettingsSection(
        _l("API tokens"),
        _l("Tokens for the daily pipeline's JSON API."),
        "api_tokens.index",
        frozenset({Role.ADMIN}),
    ),
    SettingsSection(
        _l("Amazon SES"),
        _l("Identity, DKIM, sandbox status, quota and event publishing."),
        "ses_admin.status",
        frozenset({Role.OPERATOR}),
    ),
)


def available_sections() -> list[SettingsSection]:
    """The sections that exist in this app."""
    return [
        section for section in SETTINGS_SECTIONS if section.endpoint in current_app.view_functions
    ]
