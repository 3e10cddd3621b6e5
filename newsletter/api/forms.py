"""The form of the API token page."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

# The stubs predate SelectChoice, which wtforms 3.2 asks for instead of (value, label) tuples.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length

from newsletter.api.tokens import SCOPES
from newsletter.models import Role, StaffUser

SCOPE_LABELS = {Role.EDITOR: _l("Editor"), Role.OPERATOR: _l("Operator")}


class TokenForm(FlaskForm):
    """Make a token: what uses it, whose it is and the role it acts with."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("What uses it, e.g. the daily pipeline."),
    )
    owner = SelectField(_l("Owner"), coerce=int)
    scope = SelectField(
        _l("Role"), choices=[SelectChoice(scope.value, SCOPE_LABELS[scope]) for scope in SCOPES]
    )


def owner_choices(users: list[StaffUser]) -> list[Any]:
    """The owner list of the form: every active staff member by address."""
    return [SelectChoice(str(user.id), user.email) for user in users]
