"""Forms of the staff login and account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    """Email and password of a staff member."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))
    next = HiddenField()


class StaffUserForm(FlaskForm):
    """Create a staff account (admins only)."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=320)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)])
    admin = BooleanField(_l("Admin"))
    editor = BooleanField(_l("Editor"))
    operator = BooleanField(_l("Operator"))


class RolesForm(FlaskForm):
    """Change the roles of a staff account."""

    admin = BooleanField(_l("Admin"))
    editor = BooleanField(_l("Editor"))
    operator = BooleanField(_l("Operator"))


class ConfirmForm(FlaskForm):
    """A button that needs nothing but its CSRF token (deactivate, log out, ...)."""
