"""Slotted base64: any segments and values decode to exactly the filled text."""

from __future__ import annotations

import base64
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.rendering.b64stream import SlottedBase64, encode_lines

BASE64_LINE = re.compile(rb"[A-Za-z0-9+/]{1,76}={0,2}")


def check_lines(encoded: bytes) -> None:
    assert encoded.endswith(b"\r\n")
    lines = encoded[:-2].split(b"\r\n")
    assert all(BASE64_LINE.fullmatch(line) for line in lines), lines
    assert all(len(line) <= 76 for line in lines)


def fill(segments: list[bytes], slot_ids: list[int], values: list[bytes]) -> bytes:
    out = [segments[0]]
    for slot_id, segment in zip(slot_ids, segments[1:], strict=True):
        out += [values[slot_id], segment]
    return b"".join(out)


@settings(max_examples=400, deadline=None)
@given(
    data=st.data(),
    segments=st.lists(st.binary(max_size=200), min_size=1, max_size=8),
    values=st.lists(st.binary(max_size=90), min_size=3, max_size=3),
)
def test_slotted_body_decodes_to_the_filled_text(
    data: st.DataObject, segments: list[bytes], values: list[bytes]
) -> None:
    slot_ids = data.draw(
        st.lists(st.integers(0, 2), min_size=len(segments) - 1, max_size=len(segments) - 1)
    )
    body = SlottedBase64(segments, slot_ids)
    out: list[bytes] = []

    body.encode_into(out, values)
    encoded = b"".join(out)

    assert base64.b64decode(encoded.replace(b"\r\n", b"")) == fill(segments, slot_ids, values)
    if encoded:
        check_lines(encoded)


@given(st.binary(max_size=500))
def test_encode_lines_is_plain_base64_in_76_character_lines(data: bytes) -> None:
    encoded = encode_lines(data)
    assert base64.b64decode(encoded.replace(b"\r\n", b"")) == data
    if data:
        check_lines(encoded)


def test_full_lines_are_76_characters_long() -> None:
    lines = encode_lines(bytes(57 * 3)).split(b"\r\n")
    assert [len(line) for line in lines] == [76, 76, 76, 0]


def test_a_body_without_slots_is_one_static_segment() -> None:
    out: list[bytes] = []
    SlottedBase64([b"hello"], []).encode_into(out, [b"", b"", b""])
    assert b"".join(out) == b"aGVsbG8=\r\n"
