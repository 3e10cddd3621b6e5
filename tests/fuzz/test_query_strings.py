"""Every page that takes no path argument, signed in as an admin, answers any query string
(page numbers beyond bigint, odd filters, dates of year 1) without a server error."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.routing import Rule

from tests.fuzz.profiles import fuzz
from tests.security.world import World

NAMES = ["page", "per_page", "status", "q", "table", "format", "lang", "since", "until", "day",
         "sort", "topic", "next", "campaign", "limit", "offset"]  # fmt: skip
VALUES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["99999999999999999999", "-1", "0", "1e9", "NaN", "0001-01-01",
                     "9999-12-31T23:59:59", "csv", "json", "sent", "all", "%", "_", "'"]),
)  # fmt: skip
queries = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=4)


def pages(app: Flask) -> list[Rule]:
    """GET routes without path arguments, bar logging out and the JSON API."""
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ())
            and not rule.arguments
            and not rule.rule.startswith("/api/")
        ),
        key=lambda rule: rule.rule,
    )


@fuzz(1.5)
@given(data=st.data(), query=queries)
@example(data=None, query={"page": "99999999999999999999"})
def test_any_query_string_is_answered_without_a_server_error(
    app: Flask,
    client: FlaskClient,
    signed_in: tuple[World, str],
    data: st.DataObject | None,
    query: dict[str, str],
) -> None:
    chosen = pages(app) if data is None else [data.draw(st.sampled_from(pages(app)))]
    for rule in chosen:
        response = client.get(rule.rule, query_string=query)
        response.close()
        assert response.status_code < 500, f"GET {rule.rule} ? {query!r}"
