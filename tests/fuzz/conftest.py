"""Fixtures the fuzz tests share."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.security.world import World, build_world, form_token, sign_in


@pytest.fixture
def signed_in(app: Flask, client: FlaskClient, session: Session) -> tuple[World, str]:
    """The access matrix's world, and the client signed in as an admin with its CSRF token."""
    world = build_world(session)
    sign_in(client, "admin")
    return world, form_token(client, "admin")
