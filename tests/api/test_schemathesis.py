"""Property-based run of the whole API against its own OpenAPI description (schemathesis).

Every operation gets generated requests, valid and invalid, with an editor's or an
operator's token; no answer may be a 5xx, and every answer must match the description
(status code, content type, headers, body schema).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.models import Campaign, CampaignStatus
from tests.archive.helpers import stored_issue

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: Generated requests per operation and mode; the whole run stays well under a minute.
EXAMPLES = 15
OPERATOR_PATHS = ("/campaigns/{campaign_id}/",)


def isolated(app: Flask) -> Callable[..., Iterable[bytes]]:
    """The WSGI app with an application context of its own per request, as in production.

    The ``app`` fixture holds one context open for the test; without this every generated
    request would share its ``g`` (and so its database session).
    """

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with app.app_context():
            return list(app(environ, start_response))

    return wsgi


@pytest.fixture
def world(session: Session, make_token: Callable[..., str]) -> dict[str, Any]:
    """An editor's and an operator's token, and an issue, item and campaign that exist."""
    issue = stored_issue(session, dt.date(2026, 4, 7), status=CampaignStatus.SCHEDULED)
    draft = stored_issue(session, dt.date(2026, 4, 8), status=None)
    return {
        "tokens": {"editor": make_token("editor"), "operator": make_token("operator")},
        "ids": {
            "issue_id": draft.id,
            "item_id": draft.sections[1].items[0].id,
            "campaign_id": session.scalars(select(Campaign.id)).one(),
        },
        "published": issue.id,
    }


# schemathesis's pytest plugin does not run under this pytest, so the operations are walked
# here and each one is a Hypothesis test of its own: generated requests (valid, then invalid),
# and valid requests aimed at rows that exist.
@pytest.mark.parametrize("mode", ["positive", "negative", "existing"])
def test_the_api_keeps_its_description(app: Flask, world: dict[str, Any], mode: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated(app))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7

    for operation in operations:
        scope = "operator" if operation.path.startswith(OPERATOR_PATHS) else "editor"
        headers = {"Authorization": f"Bearer {world['tokens'][scope]}"}
        names = {p.name for p in operation.path_parameters}
        if mode == "existing":
            if not names:
                continue
            ids = {name: world["ids"][name] for name in names}
            strategy = operation.as_strategy(path_parameters=ids)
        else:
            strategy = operation.as_strategy(generation_mode=GenerationMode(mode))
        _run(strategy, headers)


def _run(strategy: Any, headers: dict[str, str]) -> None:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def call(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    call()
