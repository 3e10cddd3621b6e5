"""Fixtures of the API tests: tokens of each scope and a client that sends one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from newsletter.api.tokens import create_token
from newsletter.audit import SYSTEM
from newsletter.models import Role
from tests.factories import make_staff


class ApiClient:
    """A test client that sends a bearer token with each request."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, **kwargs: Any) -> Any:
        headers = self._headers(kwargs.pop("headers", None))
        return self.client.get(f"/api/v1{path}", headers=headers, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        headers = self._headers(kwargs.pop("headers", None))
        if body is not None:
            kwargs["json"] = body
        return self.client.post(f"/api/v1{path}", headers=headers, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        headers = self._headers(kwargs.pop("headers", None))
        if body is not None:
            kwargs["json"] = body
        return self.client.patch(f"/api/v1{path}", headers=headers, **kwargs)


@pytest.fixture
def make_token(session: Session) -> Callable[..., str]:
    """Make a token: ``make_token("editor")`` for a new staff member holding that role."""
    counter = iter(range(1000))

    def make(scope: str = "editor", roles: tuple[str, ...] | None = None) -> str:
        owner = make_staff(session, f"api{next(counter)}@news.example.org", roles or (scope,))
        made = create_token(session, owner=owner, name="pipeline", scope=Role(scope), actor=SYSTEM)
        session.commit()
        return made.secret

    return make


@pytest.fixture
def editor_api(client: FlaskClient, make_token: Callable[..., str]) -> ApiClient:
    return ApiClient(client, make_token("editor"))


@pytest.fixture
def operator_api(client: FlaskClient, make_token: Callable[..., str]) -> ApiClient:
    return ApiClient(client, make_token("operator"))


@pytest.fixture
def anonymous_api(client: FlaskClient) -> ApiClient:
    return ApiClient(client, None)
