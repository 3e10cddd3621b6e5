"""Readers' tests send each request in an application context of its own.

The suite's ``app`` fixture keeps one application context open for the whole test, and Flask
reuses it for every request, so ``g`` (Flask-Babel's chosen language, Flask-Login's user,
Flask-WTF's CSRF token, the request's database session) would carry over from one request to
the next. Readers' pages depend on all of these per request, as in production.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    """A test client whose every request gets a fresh application context."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser on https, like readers and staff behind the production proxy."""
    app.test_client_class = IsolatedClient
    test_client = app.test_client()
    test_client.environ_base["wsgi.url_scheme"] = "https"
    test_client.environ_base["HTTP_REFERER"] = "https://localhost/"
    return test_client
