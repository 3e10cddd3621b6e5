"""Compact signed tokens for readers, who never log in.

Every link in an email carries one token. A token is the base64url form of a purpose byte, a
few integers as varints and a truncated HMAC-SHA256 tag, so a delivery token is about 24
characters and costs one HMAC to make. Keys are derived per purpose from the secret key, so a
token made for one purpose never verifies for another; old secret keys listed as fallbacks
still verify, so rotating the key does not break the links in emails already sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Iterable
from enum import Enum

TAG_BYTES = 12  # 96 bits: far beyond online guessing, short enough for tidy URLs


class BadToken(ValueError):
    """The token is malformed, forged, made for another purpose, or expired."""


class TokenPurpose(Enum):
    """What a token opens. The value is the byte that starts the payload."""

    #: (delivery id,) from a campaign email: open pixel, clicks, one-click unsubscribe, preferences.
    DELIVERY = (b"d", False)
    #: (subscriber id,) from a system email: preference centre and unsubscribe, long-lived.
    READER = (b"r", False)
    #: (subscriber id, issued minute) in a confirmation email; checked against a maximum age.
    CONFIRM = (b"c", True)

    def __init__(self, marker: bytes, timed: bool) -> None:
        self.marker = marker
        self.timed = timed


# What _decode_varints reads back (ten 7-bit groups); a larger value could never verify.
MAX_VALUE = 2**70 - 1


def _encode_varint(value: int, out: bytearray) -> None:
    if not 0 <= value <= MAX_VALUE:
        raise ValueError("token values are integers from 0 to 2**70 - 1")
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


def _decode_varints(data: bytes) -> tuple[int, ...]:
    values: list[int] = []
    current = shift = 0
    for byte in data:
        current |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            if shift > 63:
                raise BadToken("token value too large")
        else:
            values.append(current)
            current = shift = 0
    if shift:
        raise BadToken("token ends inside a value")
    return tuple(values)


class TokenSigner:
    """Makes and checks reader tokens with the application's secret key (and fallbacks)."""

    def __init__(self, secret_key: str | bytes, fallback_keys: Iterable[str | bytes] = ()) -> None:
        keys = [secret_key, *fallback_keys]
        self._macs = [
            {purpose: self._derive(key, purpose) for purpose in TokenPurpose} for key in keys
        ]

    @staticmethod
    def _derive(key: str | bytes, purpose: TokenPurpose) -> hmac.HMAC:
        raw = key.encode() if isinstance(key, str) else key
        derived = hmac.new(raw, b"newsletter-token:" + purpose.marker, hashlib.sha256).digest()
        return hmac.new(derived, digestmod=hashlib.sha256)

    def sign(self, purpose: TokenPurpose, *values: int, now: float | None = None) -> str:
        """Return a token carrying ``values``; timed purposes also carry the issue minute."""
        if not values and not purpose.timed:
            raise ValueError("token values: a token carries at least one value")
        payload = bytearray(purpose.marker)
        for value in values:
            _encode_varint(value, payload)
        if purpose.timed:
            _encode_varint(int((time.time() if now is None else now) // 60), payload)
        mac = self._macs[0][purpose].copy()
        mac.update(payload)
        payload += mac.digest()[:TAG_BYTES]
        return base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")

    def verify(
        self,
        purpose: TokenPurpose,
        token: str,
        *,
        max_age_seconds: float | None = None,
        now: float | None = None,
    ) -> tuple[int, ...]:
        """Return the values of a genuine token for ``purpose`` or raise :class:`BadToken`.

        For timed purposes the issue minute is checked against ``max_age_seconds`` and is not
        part of the returned values.
        """
        raw = self._decode(token)
        if len(raw) <= TAG_BYTES + 1 or raw[:1] != purpose.marker:
            raise BadToken("token is not of this kind")
        payload, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
        if not any(self._tag_matches(macs[purpose], payload, tag) for macs in self._macs):
            raise BadToken("token signature does not match")
        values = _decode_varints(payload[1:])
        if not purpose.timed:
            return values
        if not values:
            raise BadToken("timed token carries no time")
        *values_list, issued_minute = values
        if max_age_seconds is not None:
            age = (time.time() if now is None else now) - issued_minute * 60
            if age > max_age_seconds + 60:
                raise BadToken("token has expired")
        return tuple(values_list)

    @staticmethod
    def _tag_matches(mac: hmac.HMAC, payload: bytes, tag: bytes) -> bool:
        candidate = mac.copy()
        candidate.update(payload)
        return hmac.compare_digest(candidate.digest()[:TAG_BYTES], tag)

    @staticmethod
    def _decode(token: str) -> bytes:
        if not token or len(token) > 200 or not token.isascii():
            raise BadToken("token is empty, too long or not ASCII")
        try:
            return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError) as exc:
            raise BadToken("token is not base64url") from exc
