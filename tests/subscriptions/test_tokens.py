"""Reader links open exactly one reader's pages, and say why when they cannot."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from newsletter.signing import TokenPurpose
from newsletter.subscriptions.tokens import (
    CONFIRM_MAX_AGE_SECONDS,
    InvalidLink,
    confirm_token,
    reader_token,
    resolve_confirm_link,
    resolve_reader_link,
    signer,
)
from tests.factories import make_campaign, make_delivery, make_subscriber


def test_a_reader_token_opens_that_readers_pages(app: Flask, session: Session) -> None:
    reader = make_subscriber(session, "li@example.org")
    link = resolve_reader_link(session, reader_token(reader))
    assert link.subscriber.id == reader.id
    assert link.delivery is None


def test_a_delivery_token_opens_the_reader_and_names_the_delivery(
    app: Flask, session: Session
) -> None:
    reader = make_subscriber(session, "li@example.org")
    delivery = make_delivery(session, make_campaign(session), reader)
    link = resolve_reader_link(session, signer().sign(TokenPurpose.DELIVERY, delivery.id))
    assert (link.subscriber.id, link.delivery) == (reader.id, delivery)


def test_a_token_for_a_later_reader_with_the_same_id_is_refused(
    app: Flask, session: Session
) -> None:
    reader = make_subscriber(session, "li@example.org")
    forged_stamp = signer().sign(TokenPurpose.READER, reader.id, 12345)
    with pytest.raises(InvalidLink) as caught:
        resolve_reader_link(session, forged_stamp)
    assert (caught.value.code, caught.value.status) == ("gone", 404)


@pytest.mark.parametrize("bad", ["", "abc", "!!!!", "x" * 300])
def test_damaged_tokens_say_so(app: Flask, session: Session, bad: str) -> None:
    with pytest.raises(InvalidLink) as caught:
        resolve_reader_link(session, bad)
    assert (caught.value.code, caught.value.status) == ("damaged", 400)


def test_a_confirmation_token_is_foreign_to_the_preference_centre(
    app: Flask, session: Session
) -> None:
    reader = make_subscriber(session, "li@example.org")
    with pytest.raises(InvalidLink) as caught:
        resolve_reader_link(session, confirm_token(reader))
    assert caught.value.code == "foreign"


def test_a_confirmation_link_expires_after_seven_days(app: Flask, session: Session) -> None:
    reader = make_subscriber(session, "li@example.org")
    token = confirm_token(reader)
    later = time.time() + CONFIRM_MAX_AGE_SECONDS + 120
    assert resolve_confirm_link(session, token).id == reader.id
    with pytest.raises(InvalidLink) as caught:
        resolve_confirm_link(session, token, now=later)
    assert (caught.value.code, caught.value.status) == ("expired", 410)


def test_a_delivery_of_an_erased_reader_is_gone(app: Flask, session: Session) -> None:
    reader = make_subscriber(session, "li@example.org")
    delivery = make_delivery(session, make_campaign(session), reader)
    token = signer().sign(TokenPurpose.DELIVERY, delivery.id)
    session.delete(reader)
    session.flush()
    session.expire_all()
    with pytest.raises(InvalidLink) as caught:
        resolve_reader_link(session, token)
    assert caught.value.code == "gone"
