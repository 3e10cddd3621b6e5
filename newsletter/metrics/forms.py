"""Forms of the dashboard."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class AcknowledgeForm(FlaskForm):
    """An operator acknowledges the open reputation alarms, saying what they checked."""

    note = TextAreaField(
        _l("What did you check or change?"),
        validators=[DataRequired(), Length(max=2000)],
    )
