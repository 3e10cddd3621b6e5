"""Base64 bodies with slots, pre-encoded so that filling a reader costs a few joins.

Base64 turns every 3 input bytes into 4 characters, so how a static segment encodes depends on
how many bytes (0, 1 or 2) of the text before it are still waiting for a group. Each static
segment is therefore encoded ahead of time for all three alignments: the few bytes that
complete the waiting group (``head``), the aligned middle already encoded and cut into lines,
and the 0-2 bytes left over (``tail``) that wait for whatever comes next. Per reader only the
slot values and the bytes around them are encoded.

Lines are at most 76 characters (RFC 2045). Around each slot a line may be shorter; decoders
join lines regardless, so this costs a few bytes, not correctness.
"""

from __future__ import annotations

import binascii
from collections.abc import Sequence

LINE_CHARS = 76
_LINE_BYTES = LINE_CHARS // 4 * 3  # 57 input bytes make one full line
CRLF = b"\r\n"


def encode_lines(data: bytes) -> bytes:
    """Base64 of ``data`` in CRLF-terminated lines of at most 76 characters."""
    return b"".join(
        binascii.b2a_base64(data[start : start + _LINE_BYTES], newline=False) + CRLF
        for start in range(0, len(data), _LINE_BYTES)
    )


# A static segment as encoded after 0, 1 or 2 waiting bytes: (head, lines, tail, completes).
# ``head`` completes the waiting group, ``lines`` is the aligned middle encoded and wrapped,
# ``tail`` the 0-2 bytes left over. When the segment is too short to complete the group,
# ``completes`` is False and the whole segment is ``head``. Plain tuples: this is the inner
# loop of every message.
_Aligned = tuple[bytes, bytes, bytes, bool]


def _align(segment: bytes, waiting: int, *, last: bool = False) -> _Aligned:
    need = (3 - waiting) % 3
    if len(segment) < need:
        return segment, b"", b"", False
    rest = segment[need:]
    # Nothing follows the last segment, so its leftover bytes are encoded (padded) with it.
    cut = len(rest) if last else len(rest) - len(rest) % 3
    return segment[:need], encode_lines(rest[:cut]), rest[cut:], True


class SlottedBase64:
    """A text body cut at its slots, with every static segment pre-encoded three ways."""

    __slots__ = ("_last", "_steps")

    def __init__(self, segments: Sequence[bytes], slot_ids: Sequence[int]) -> None:
        if len(segments) != len(slot_ids) + 1:
            raise ValueError("a slotted body has exactly one more segment than slots")
        aligned = [tuple(_align(segment, waiting) for waiting in range(3)) for segment in segments]
        self._steps = tuple(zip(aligned[:-1], slot_ids, strict=True))
        self._last = tuple(_align(segments[-1], waiting, last=True) for waiting in range(3))

    def encode_into(self, out: list[bytes], values: Sequence[bytes]) -> None:
        """Append the base64 lines of the body with ``values[slot_id]`` in each slot."""
        b2a = binascii.b2a_base64
        carry = b""
        loose = b""  # encoded characters not yet written as a line
        for variants, slot_id in self._steps:
            head, lines, tail, completes = variants[len(carry)]
            if completes:
                if carry:
                    loose += b2a(carry + head, newline=False)
                if lines:
                    if loose:
                        _write_line(loose, out)
                        loose = b""
                    out.append(lines)
                carry = tail
            else:
                carry += head
            data = carry + values[slot_id]
            cut = len(data) - len(data) % 3
            if cut:
                loose += b2a(data[:cut], newline=False)
            carry = data[cut:]
        self._finish(carry, loose, out)

    def _finish(self, carry: bytes, loose: bytes, out: list[bytes]) -> None:
        head, lines, _, _ = self._last[len(carry)]
        if carry:  # completes the group, or is all that is left (then padded)
            loose += binascii.b2a_base64(carry + head, newline=False)
        if loose:
            _write_line(loose, out)
        if lines:
            out.append(lines)


def _write_line(encoded: bytes, out: list[bytes]) -> None:
    # Usually one short line around a slot; a long value (a name) may need several.
    if len(encoded) <= LINE_CHARS:
        out += (encoded, CRLF)
    else:
        out.extend(encoded[i : i + LINE_CHARS] + CRLF for i in range(0, len(encoded), LINE_CHARS))
