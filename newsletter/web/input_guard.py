"""Refusing form input no page can store: text holding NUL characters.

No field of any form has a use for NUL, and PostgreSQL cannot store it in text, so a name,
note or keyword holding one failed at the database and the page answered 500. One check
before every view answers such a request with a 400 that says why, in every blueprint but
the JSON API, which checks its own input and answers in its documented form.
"""

from __future__ import annotations

from flask import Flask, abort, request
from flask_babel import gettext as _

API_PREFIX = "/api/"
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def init_app(app: Flask) -> None:
    """Check every request's query string and form before its view runs."""
    app.before_request(_refuse_nul)


def _refuse_nul() -> None:
    if request.path.startswith(API_PREFIX):
        return  # the API checks its own input and documents its own errors
    fields = [request.args]
    if request.mimetype in FORM_TYPES:
        fields.append(request.form)
    for multidict in fields:
        for key, value in multidict.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400, description=_("Text in a form may not contain NUL characters."))
    if request.mimetype == "multipart/form-data":
        for upload in request.files.values():
            if "\x00" in (upload.filename or ""):
                abort(400, description=_("A file name may not contain NUL characters."))
