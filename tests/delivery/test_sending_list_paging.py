"""Regression found by probing query strings on PostgreSQL: ``?page=`` beyond bigint made
the campaign list's OFFSET an error (500)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.conftest import StaffClient
from tests.factories import make_campaign


@pytest.mark.parametrize("page", ["99999999999999999999", "-5", "x", "0"])
def test_any_page_number_shows_a_page(
    staff: StaffClient, operator_user: Any, session: Session, page: str
) -> None:
    make_campaign(session, name="only one")
    session.commit()
    staff.login(operator_user.email)
    assert staff.client.get(f"/admin/sending/?page={page}").status_code == 200
