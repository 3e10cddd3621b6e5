"""Where login may send a staff member afterwards: local paths only, whatever ``next`` says."""

from __future__ import annotations

from typing import Any

import pytest

from newsletter.web.redirects import safe_next
from tests.conftest import StaffClient


@pytest.mark.parametrize(
    "target",
    ["//[", "http://[::1", "//evil.example/", "https://evil.example/", "/\\evil", "/\t/x", ""],
)
def test_targets_that_are_not_local_paths_give_the_fallback(target: str) -> None:
    # Found by fuzzing: an unclosed IPv6 host made urlsplit raise, and the login a 500.
    assert safe_next(target, "/admin/") == "/admin/"


def test_a_login_with_a_malformed_next_goes_home(staff: StaffClient, editor_user: Any) -> None:
    page = staff.client.get("/admin/login?next=//[")
    assert page.status_code == 200
    response = staff.login(editor_user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
