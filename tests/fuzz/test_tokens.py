"""Reader and delivery tokens: any string is refused cleanly, genuine ones round-trip, and a
token changed anywhere never opens anything else."""

from __future__ import annotations

import contextlib
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import assume, example, given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from newsletter.signing import BadToken, TokenPurpose, TokenSigner
from newsletter.subscriptions.tokens import InvalidLink, resolve_confirm_link, resolve_reader_link
from newsletter.tracking.pixel import pixel_token
from newsletter.tracking.recorder import tracker
from tests.fuzz.profiles import fuzz

KEY = "fuzzing-secret-key-0123456789abcdef"
OLD_KEY = "an-older-secret-key-0123456789abcdef"
SIGNER = TokenSigner(KEY, [OLD_KEY])
ids = st.integers(min_value=0, max_value=2**70 - 1)
purposes = st.sampled_from(list(TokenPurpose))
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Strings that look like tokens, and anything at all.
token_like = st.text(st.sampled_from(alphabet + "=+/. "), max_size=60)
any_string = st.one_of(token_like, st.text(max_size=300))


def values_of(purpose: TokenPurpose, token: str) -> tuple[int, ...] | None:
    """What ``token`` verifies to for ``purpose``, or None when refused."""
    try:
        return SIGNER.verify(purpose, token)
    except BadToken:
        return None


@fuzz(3)
@given(purposes, any_string)
@example(TokenPurpose.DELIVERY, "")
@example(TokenPurpose.CONFIRM, "Yw")
@example(TokenPurpose.READER, "c" + "A" * 250)
@example(TokenPurpose.READER, "cv____________________________")
def test_any_string_is_refused_with_bad_token_only(purpose: TokenPurpose, token: str) -> None:
    assert values_of(purpose, token) is None


@fuzz(3)
@given(purposes, st.lists(ids, max_size=4), st.integers(min_value=0, max_value=2**40))
def test_a_genuine_token_gives_back_its_values(
    purpose: TokenPurpose, values: list[int], now: int
) -> None:
    assume(values or purpose.timed)  # an untimed token without values is refused when signed
    token = SIGNER.sign(purpose, *values, now=now)
    assert token.isascii()
    assert len(token) <= 200
    assert SIGNER.verify(purpose, token, now=now) == tuple(values)
    old = TokenSigner(OLD_KEY).sign(purpose, *values, now=now)
    assert SIGNER.verify(purpose, old, now=now) == tuple(values)  # a rotated key still works
    others = [p for p in TokenPurpose if p is not purpose]
    assert all(values_of(other, token) is None for other in others)


@fuzz(3)
@given(purposes, st.lists(ids, min_size=1, max_size=3), st.data())
def test_a_token_changed_anywhere_is_refused_or_means_the_same(
    purpose: TokenPurpose, values: list[int], data: st.DataObject
) -> None:
    token = SIGNER.sign(purpose, *values, now=0)
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from(alphabet))
    changed = token[:position] + replacement + token[position + 1 :]
    # Base64's last character has spare bits: a few changes there decode to the same bytes.
    assert values_of(purpose, changed) in (None, tuple(values))
    truncated = token[: data.draw(st.integers(0, len(token) - 1))]
    assert values_of(purpose, truncated) is None


@fuzz()
@given(any_string)
def test_the_tracker_and_pixel_parser_refuse_any_string(token: str) -> None:
    assert pixel_token("/t/o/" + token) in (None, token[:-4])
    signer = TokenSigner(KEY)
    with contextlib.suppress(BadToken):
        signer.verify(TokenPurpose.DELIVERY, token)


@fuzz(0.5)
@given(any_string)
def test_reader_links_refuse_any_string_with_a_clear_answer(
    app: Flask, session: Session, token: str
) -> None:
    assert tracker().delivery_id(token) is None
    for resolve in (resolve_reader_link, resolve_confirm_link):
        with pytest.raises(InvalidLink) as refused:
            resolve(session, token)
        assert refused.value.status in (400, 404, 410)


@fuzz(0.5)
@given(token_like.filter(bool) | st.text(min_size=1, max_size=80))
def test_reader_pages_answer_any_token_without_a_server_error(
    client: FlaskClient, token: str
) -> None:
    segment = quote(token, safe="")
    assume(segment not in (".", ".."))
    for path in (f"/p/{segment}", f"/u/{segment}", f"/confirm/{segment}", f"/t/c/{segment}/1",
                 f"/t/o/{segment}.gif", f"/p/{segment}/erase"):  # fmt: skip
        response = client.get(path)
        response.close()
        assert response.status_code < 500, path
