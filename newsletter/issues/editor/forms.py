"""Forms of the editor's pages; topic checkboxes get their choices from the database."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)

# The stubs predate SelectChoice, which wtforms 3.2 asks for instead of (value, label) tuples.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from newsletter.issues.formats import IssueFormat
from newsletter.issues.text import is_time_zone

DEFAULT_TIMEZONE = "Asia/Shanghai"
#: The largest report accepted by paste or upload (the sample is about 40 KB).
MAX_REPORT_CHARS = 2_000_000


class TopicCheckboxes(SelectMultipleField):
    """Topic slugs as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ImportForm(FlaskForm):
    """A report, Markdown or JSON issue, uploaded or pasted."""

    file = FileField(_l("Upload a file"))
    text = TextAreaField(
        _l("…or paste it here"),
        validators=[Length(max=MAX_REPORT_CHARS, message=_l("The text is too long."))],
    )
    format = SelectField(
        _l("Format"),
        choices=[
            SelectChoice("", _l("Recognise it")),
            SelectChoice(IssueFormat.REPORT.value, _l("Daily report text")),
            SelectChoice(IssueFormat.MARKDOWN.value, _l("Markdown with front matter")),
            SelectChoice(IssueFormat.JSON.value, "JSON"),
        ],
        default="",
    )

    def validate_text(self, field: Any) -> None:
        """Exactly one of upload and paste."""
        has_file = bool(self.file.data and getattr(self.file.data, "filename", ""))
        has_text = bool((field.data or "").strip())
        if has_file == has_text:
            raise ValidationError(_l("Upload a file or paste the text, not both or neither."))


class ContentForm(FlaskForm):
    """The whole issue in the Markdown authoring format."""

    text = TextAreaField(
        _l("The issue as Markdown"),
        validators=[
            DataRequired(_l("The issue cannot be empty.")),
            Length(max=MAX_REPORT_CHARS, message=_l("The text is too long.")),
        ],
    )


class DetailsForm(FlaskForm):
    """The issue's title, date, subject line and preview text."""

    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("The issue needs a title.")), Length(max=300)],
    )
    date = DateField(_l("Date"), validators=[Optional()])
    subject = StringField(
        _l("Subject line (empty: derived from the first item)"),
        validators=[Length(max=300)],
    )
    preheader = StringField(
        _l("Preview text (empty: the first sentence of the overview)"),
        validators=[Length(max=300)],
    )


class TopicsForm(FlaskForm):
    """The items' topic checkboxes; each item's are read as ``item-<id>`` from the form."""

    revision = IntegerField(validators=[InputRequired()])


class TestSendForm(FlaskForm):
    """Send the previewed mix to a few addresses."""

    recipients = TextAreaField(
        _l("Send to (up to 5 addresses)"),
        validators=[DataRequired(_l("Enter at least one address.")), Length(max=2000)],
    )
    topics = TopicCheckboxes(_l("Topic mix"), validate_choice=True)
    locale = SelectField(
        _l("Language"), choices={"zh-CN": "中文", "en": "English"}, default="zh-CN"
    )


class ScheduleForm(FlaskForm):
    """When to send and to whom."""

    date = DateField(_l("Date"), validators=[InputRequired(_l("Choose a date."))])
    time = TimeField(_l("Time"), validators=[InputRequired(_l("Choose a time."))])
    timezone = StringField(
        _l("Time zone"),
        default=DEFAULT_TIMEZONE,
        validators=[DataRequired(_l("Choose a time zone.")), Length(max=64)],
    )
    audience_topics = TopicCheckboxes(_l("Only readers of these topics (none: everyone)"))
    audience_match = RadioField(
        _l("Readers who chose"),
        choices=[SelectChoice("any", _l("any of them")), SelectChoice("all", _l("all of them"))],
        default="any",
    )

    def validate_timezone(self, field: Any) -> None:
        """A name from the time zone database, like Asia/Shanghai."""
        if not is_time_zone((field.data or "").strip()):
            raise ValidationError(_l("Not a time zone name like Asia/Shanghai or Europe/Berlin."))


class UnscheduleForm(FlaskForm):
    """Take a scheduled campaign back to draft."""

    campaign_id = HiddenField(validators=[InputRequired()])


def time_zone_names() -> list[str]:
    """Every time zone name, sorted, for the schedule form's suggestions."""
    return sorted(available_timezones())
