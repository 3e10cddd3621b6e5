"""Public pages, whatever headers the client sends (Origin, Referer, Accept-Language,
User-Agent, X-Forwarded-*, Authorization, Cookie), answer without a server error."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.fuzz.profiles import fuzz
from tests.security.world import World, build_world
from tests.tracking.helpers import flush

HEADERS = [
    "Origin", "Referer", "Accept-Language", "User-Agent", "X-Forwarded-For",
    "X-Forwarded-Proto", "X-Forwarded-Host", "Authorization", "Cookie", "Accept",
    "x-amz-sns-message-type", "If-None-Match", "Range",
]  # fmt: skip
# Header values travel as latin-1; anything else cannot be sent at all.
latin1 = st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=40)
values = st.one_of(
    latin1,
    st.sampled_from(["http://[", "https://[::1", "zh-CN;q=x", "*;q=1e999", "en-US,zh;q=0.5,*",
                     "session=.eJw", "session=" + "A" * 5000, "Bearer nl_x", "Basic !!",
                     "1.2.3.4, ::1, unknown", "https", "bytes=5-1", "::1%eth0"]),
)  # fmt: skip
header_sets = st.dictionaries(st.sampled_from(HEADERS), values, max_size=5)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "trusted_proxies": 1}


@pytest.fixture
def world(app: Flask, session: Session) -> World:
    return build_world(session)


def public_requests(world: World) -> list[tuple[str, str, dict[str, Any] | None]]:
    reader, delivery = world.genuine["reader"], world.genuine["delivery"]
    signup = {"email": "li@example.org", "topics": ["capital"], "consent": "y", "source": "embed"}
    return [
        ("GET", "/", None), ("GET", "/subscribe", None), ("POST", "/subscribe", signup),
        ("GET", "/subscribe/embed", None), ("GET", f"/p/{reader}", None),
        ("GET", f"/u/{delivery}", None), ("POST", f"/u/{delivery}", {}),
        ("GET", f"/t/o/{delivery}.gif", None), ("GET", f"/t/c/{delivery}/1", None),
        ("GET", "/healthz", None), ("GET", "/metrics", None), ("GET", "/admin/login", None),
        ("GET", "/admin/", None), ("GET", "/archive", None), ("POST", "/webhooks/ses", None),
        ("GET", "/api/v1/issues", None), ("GET", "/static/app.css", None),
    ]  # fmt: skip


@fuzz(1.5)
@given(data=st.data(), headers=header_sets)
@example(data=None, headers={"Origin": "http://[", "Accept-Language": "zh-CN;q=x"})
@example(data=None, headers={"User-Agent": "a\x00b", "Origin": "https://a\x00b"})
def test_public_pages_answer_any_headers_without_a_server_error(
    app: Flask, client: FlaskClient, world: World, data: Any, headers: dict[str, str]
) -> None:
    chosen = public_requests(world)
    if data is not None:
        chosen = [data.draw(st.sampled_from(chosen), label="request")]
    for method, path, form in chosen:
        response = client.open(path, method=method, data=form, headers=headers)
        response.close()
        assert response.status_code < 500, f"{method} {path} with {headers!r}"
    flush(app)  # the opens and clicks those requests buffered are written (or this raises)
