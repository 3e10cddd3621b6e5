"""The metrics service runs beside the app in `newsletter run` and `newsletter worker`."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from newsletter.metrics import snapshots
from newsletter.metrics.rollup import EVENTS
from newsletter.models import RollupState
from newsletter.runtime import ServiceRunner
from tests.metrics.conftest import KnownCampaign


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return app_config | {"metrics_rollup_seconds": 1}


def test_the_service_keeps_the_figures_up_in_the_background(
    app: Flask, session: Session, known: KnownCampaign
) -> None:
    runner = ServiceRunner.start(app)
    try:
        assert "metrics" in runner.names
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            session.expire_all()
            state = session.get(RollupState, EVENTS)
            stored = snapshots.load_snapshot(session, snapshots.CAMPAIGN, str(known.campaign.id))
            if state is not None and state.position >= 22 and stored is not None:
                break
            session.rollback()
            time.sleep(0.2)
        else:
            pytest.fail("the metrics service did not roll up within 20 seconds")
    finally:
        runner.stop(timeout=10)
    assert not any(thread.is_alive() for thread in runner.threads)
