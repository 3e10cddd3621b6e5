"""A database that fails in the middle of a batch (a restart, a fail-over): once it answers
again the batch records the messages it handed over and gives back the rows it never tried,
instead of leaving them all for the reaper to turn into in-doubt rows."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from newsletter.delivery import sender
from newsletter.delivery.outcomes import OutcomeBuffer
from newsletter.delivery.sender import send_batch
from newsletter.models import Campaign, DeliveryState
from tests.delivery.sending import (
    ScriptedTransport,
    numbered_readers,
    rows_of,
    send_all,
    started_campaign,
    use_transport,
)


def connection_cut() -> OperationalError:
    return OperationalError("SELECT", {}, Exception("terminating connection (administrator)"))


def test_a_failure_before_a_row_keeps_the_sent_ones_and_gives_back_the_rest(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = ScriptedTransport()
    use_transport(app, transport)
    campaign = started_campaign(session, numbered_readers(5))
    looks = Counter[str]()
    still_sending = sender._Batch._still_sending

    def cut_before_the_third(batch: Any) -> bool:
        looks["status"] += 1
        if looks["status"] == 3:
            raise connection_cut()
        return still_sending(batch)

    monkeypatch.setattr(sender._Batch, "_still_sending", cut_before_the_third)
    with pytest.raises(OperationalError):
        send_batch(campaign.id, "w")

    rows = rows_of(session, campaign.id)
    assert [row.state for row in rows] == [DeliveryState.SENT] * 2 + [DeliveryState.QUEUED] * 3
    assert all(row.transport_message_id for row in rows[:2])
    assert [row.attempts for row in rows[2:]] == [0, 0, 0]
    monkeypatch.undo()
    send_all(campaign.id)
    assert len(transport.parsed()) == 5  # each reader once
    assert {row.state for row in rows_of(session, campaign.id)} == {DeliveryState.SENT}


def test_outcomes_whose_commit_failed_are_written_when_the_database_is_back(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = ScriptedTransport()
    use_transport(app, transport)
    campaign = started_campaign(session, numbered_readers(3))
    write = OutcomeBuffer.write
    failures = iter([True])

    def written_then_cut(buffer: OutcomeBuffer, session: Session) -> Counter[DeliveryState]:
        done = write(buffer, session)
        if next(failures, False):
            raise connection_cut()  # the UPDATE ran, the transaction never committed
        return done

    monkeypatch.setattr(OutcomeBuffer, "write", written_then_cut)
    with pytest.raises(OperationalError):
        send_batch(campaign.id, "w")

    rows = rows_of(session, campaign.id)
    assert [row.state for row in rows] == [DeliveryState.SENT] * 3
    assert len({row.transport_message_id for row in rows}) == 3
    assert session.get_one(Campaign, campaign.id).sent_count == 3
    assert len(transport.sent) == 3
