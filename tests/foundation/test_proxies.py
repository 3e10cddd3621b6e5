"""Behind trusted proxies: the forwarded scheme is used when it is one, ignored otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from newsletter.app import create_app


@pytest.mark.parametrize("proto", ["A://[", "javascript", "https, ftp", "", "http://"])
def test_a_malformed_forwarded_scheme_is_ignored_not_a_500(
    app_config: dict[str, Any], proto: str
) -> None:
    # Found by fuzzing: ProxyFix made "A://[" the scheme, and building any URL then failed.
    client = create_app({**app_config, "trusted_proxies": 1}).test_client()
    response = client.get("http://localhost/admin/", headers={"X-Forwarded-Proto": proto})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")
    assert "Strict-Transport-Security" not in response.headers


def test_a_forwarded_https_still_makes_the_request_secure(app_config: dict[str, Any]) -> None:
    client = create_app({**app_config, "trusted_proxies": 1}).test_client()
    response = client.get("http://localhost/admin/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
