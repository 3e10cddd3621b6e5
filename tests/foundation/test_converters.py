"""Ids in URLs beyond the database's integer range are a 404, not a PostgreSQL error.

Found by probing every ``<int:…>`` route on PostgreSQL with 2**40: fourteen staff pages
answered 500 (``integer out of range``).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from newsletter.context import current_signer
from newsletter.signing import TokenPurpose
from tests.conftest import StaffClient

HUGE = 2**40


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/dashboard/campaigns/{HUGE}",
        f"/admin/subscribers/import/{HUGE}/status",
        f"/admin/subscribers/{HUGE}",
        f"/admin/settings/staff/{HUGE}/roles",
        "/admin/dashboard/campaigns/99999999999999999999999999",
    ],
)
def test_an_id_beyond_any_column_is_not_found(
    staff: StaffClient, admin_user: Any, path: str
) -> None:
    staff.login(admin_user.email)
    assert staff.client.get(path).status_code in (404, 405)


def test_a_click_with_a_huge_link_number_still_leads_to_the_archive(client: FlaskClient) -> None:
    token = current_signer().sign(TokenPurpose.DELIVERY, 1)
    response = client.get(f"/t/c/{token}/{HUGE}")
    assert response.status_code == 302
    assert "/archive" in response.headers["Location"]
