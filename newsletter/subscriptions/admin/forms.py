"""Forms of the operators' reader pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, TextAreaField
from wtforms.validators import DataRequired, Length


class SuppressForm(FlaskForm):
    """Add an address to the suppression list, saying why."""

    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter the address to suppress.")), Length(max=320)],
    )
    note = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Say why the address is suppressed.")),
            Length(max=2000, message=_l("Keep the reason under 2,000 characters.")),
        ],
    )


class LiftForm(FlaskForm):
    """Lift a suppression entry, saying why."""

    reason = TextAreaField(
        _l("Why lift it?"),
        validators=[
            DataRequired(_l("Say why the entry is lifted.")),
            Length(max=2000, message=_l("Keep the reason under 2,000 characters.")),
        ],
    )


class ImportForm(FlaskForm):
    """Upload a subscriber CSV, optionally as a dry run."""

    file = FileField(_l("CSV or TSV file"), validators=[FileRequired(_l("Choose a file."))])
    dry_run = BooleanField(_l("Dry run: check every line and report, write nothing"), default=True)


class EraseForm(FlaskForm):
    """Erase a reader's data on their request (a button with a CSRF token)."""
