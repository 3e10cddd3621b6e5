"""Forms of the topic settings page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from newsletter.topics.seed import SLUG_PATTERN

NAME_NEEDED = _l("Give the topic a name.")


class TopicNamesForm(FlaskForm):
    """A topic's names in both languages."""

    name_zh = StringField(
        _l("Name (Chinese)"), validators=[DataRequired(NAME_NEEDED), Length(max=80)]
    )
    name_en = StringField(
        _l("Name (English)"), validators=[DataRequired(NAME_NEEDED), Length(max=80)]
    )


class TopicForm(TopicNamesForm):
    """A topic's names, place in the order, keyword rules and whether it is offered."""

    position = IntegerField(
        _l("Order"),
        validators=[InputRequired(_l("Give a number.")), NumberRange(min=0, max=1000)],
    )
    keywords = TextAreaField(_l("Keywords, one per line"), validators=[Length(max=20_000)])
    active = BooleanField(_l("Offered to readers and suggested for items"))


class NewTopicForm(TopicNamesForm):
    """A new topic: its slug (fixed once made) and names."""

    slug = StringField(
        _l("Slug (in links and the API, cannot change later)"),
        validators=[
            DataRequired(_l("Give the topic a slug.")),
            Length(max=40),
            Regexp(
                f"^{SLUG_PATTERN.pattern}$",
                message=_l("Lower-case letters and digits joined by hyphens, like ai-safety."),
            ),
        ],
    )
