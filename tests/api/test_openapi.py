"""The OpenAPI description matches the routes and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from newsletter.api.v1 import PREFIX

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _routes(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
        for method in (rule.methods or set()) - IGNORED_METHODS:
            found.add((method.lower(), path))
    return found


def test_every_api_route_is_described_and_every_description_has_a_route(
    app: Flask, client: FlaskClient
) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    described = {(method, path) for path, item in document["paths"].items() for method in item}

    assert described == _routes(app)


def test_the_description_is_valid_openapi_3_1(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()

    validate(document)

    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "/api/v1"}]


def test_every_path_parameter_is_declared(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)
