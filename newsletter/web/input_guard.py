"""Refusing form input no page can store or render: NUL and other control characters.

No field of any form has a use for them. PostgreSQL cannot store NUL in text, so a name,
note or keyword holding one failed at the database; MJML cannot parse the other C0 controls,
so an issue title holding one broke its preview, test send and campaign. Either way the page
answered 500. One check before every view answers such a request with a 400 that says why,
in every blueprint but the JSON API, which checks its own input and answers in its
documented form. Tabs and line breaks are text.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request
from flask_babel import gettext as _

API_PREFIX = "/api/"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def init_app(app: Flask) -> None:
    """Check every request's query string and form before its view runs."""
    app.before_request(_refuse_control_characters)


def _refuse_control_characters() -> None:
    if request.path.startswith(API_PREFIX):
        return  # the API checks its own input and documents its own errors
    fields = [request.args]
    if request.mimetype in FORM_TYPES:
        fields.append(request.form)
    for multidict in fields:
        for key, value in multidict.items(multi=True):
            if CONTROL.search(key) or CONTROL.search(value):
                abort(400, description=_("Text in a form may not contain control characters."))
    if request.mimetype == "multipart/form-data":
        for upload in request.files.values():
            if "\x00" in (upload.filename or ""):
                abort(400, description=_("A file name may not contain NUL characters."))
