"""Forms of the operators' Sending pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class CampaignActionForm(FlaskForm):
    """Pause, resume or cancel, with the reason kept in the audit log."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class RowsForm(FlaskForm):
    """Resend or drop failed and in-doubt rows, after the operator confirms."""

    state = HiddenField()
    ids = HiddenField()
    reason = TextAreaField(
        _l("Why?"),
        validators=[DataRequired(_l("Say why: it is kept in the audit log.")), Length(max=2000)],
    )
    confirm = BooleanField(
        _l("I have checked these rows and want to go ahead."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
