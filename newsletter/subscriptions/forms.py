"""Forms of the readers' pages: signup, preference centre and their buttons."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    Form,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from newsletter.models import Topic
from newsletter.subscriptions.addresses import InvalidAddress, normalise_email
from newsletter.subscriptions.preferences import LOCALES, PAUSE_WEEKS

# Choices as {value: label}: WTForms 3.3 deprecates lists of tuples.
LANGUAGE_CHOICES = {"zh_CN": "中文", "en": "English"}


class TopicsField(SelectMultipleField):
    """Topic checkboxes; unknown topics are named in the error."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: BaseForm) -> None:
        """Refuse topics that are not offered, naming them."""
        offered = set(self.choices or {})
        unknown = sorted(set(self.data or []) - offered)
        if unknown:
            raise ValidationError(_l("Unknown topic: %(topics)s", topics=", ".join(unknown)))


def topic_choices(topics: list[Topic], locale: str) -> dict[str, str]:
    """{slug: name in the page's language} for each offered topic, in order."""
    return {topic.slug: topic.name(locale) for topic in topics}


def _valid_address(_form: Form, field: Field) -> None:
    try:
        setattr(field, "normalised", normalise_email(field.data or ""))  # noqa: B010
    except InvalidAddress as exc:
        raise ValidationError(
            _l("This is not a usable email address: %(reason)s", reason=str(exc))
        ) from exc


def _no_line_breaks(_form: Form, field: Field) -> None:
    if any(char in (field.data or "") for char in "\r\n\t<>"):
        raise ValidationError(_l("A name cannot contain line breaks, tabs or angle brackets."))


class SignupForm(FlaskForm):
    """The public signup form. No CSRF token: the embeddable copy posts from other sites;
    the honeypot, the rate limits and double opt-in stand in for it."""

    class Meta:
        csrf = False

    email = StringField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address.")), _valid_address],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    name = StringField(
        _l("Name (optional)"),
        validators=[
            Length(max=200, message=_l("A name has at most 200 characters.")),
            _no_line_breaks,
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    topics = TopicsField(_l("Topics"), validate_choice=False)
    consent = BooleanField(
        _l("I agree to receive the AI Frontier Daily by email. I can unsubscribe at any time."),
        validators=[DataRequired(_l("Please agree to receive the newsletter by email."))],
    )
    # The honeypot: hidden from people, filled in by bots that fill in everything.
    website = StringField(_l("Leave this field empty"))
    locale = HiddenField()
    source = HiddenField()

    def normalised_email(self) -> str:
        """The address in its stored form (valid after :meth:`validate`)."""
        return str(getattr(self.email, "normalised", ""))

    def chosen_locale(self, fallback: str) -> str:
        """The language the reader signed up in."""
        return self.locale.data if self.locale.data in LOCALES else fallback


class PreferencesForm(FlaskForm):
    """Topics, language and the empty-issue choice."""

    topics = TopicsField(_l("Topics"), validate_choice=False)
    locale = RadioField(
        _l("Language of emails and pages"),
        choices=LANGUAGE_CHOICES,
        validators=[DataRequired(_l("Choose a language."))],
    )
    receive_empty_issues = BooleanField(
        _l("Also send me issues that have no items of my topics (the overview and analysis only)")
    )


class PauseForm(FlaskForm):
    """How long to hold issues."""

    weeks = SelectField(
        _l("Pause for"),
        choices={str(weeks): str(weeks) for weeks in PAUSE_WEEKS},
        coerce=int,
        validate_choice=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.weeks.choices = {str(weeks): _weeks_label(weeks) for weeks in PAUSE_WEEKS}


def _weeks_label(weeks: int) -> str:
    label = _l("%(num)d week", num=weeks) if weeks == 1 else _l("%(num)d weeks", num=weeks)
    return str(label)


class ButtonForm(FlaskForm):
    """A button that needs only its CSRF token (resume, unsubscribe, erase, download)."""
