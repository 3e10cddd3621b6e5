"""Message header lines built by hand, for speed and for correct CJK subjects.

CPython's ``EmailMessage`` policies fold a subject mixing Latin and CJK text into encoded
words and ASCII words and then lose the space between them (gh-92081: "OpenAI 完成" arrives
as "OpenAI完成"). Here any header text that is not plain ASCII becomes a run of complete
RFC 2047 ``B`` encoded words that carry every space inside them, folded so that no line
exceeds 76 characters and no encoded word exceeds 75 (RFC 2047 section 2).
"""

from __future__ import annotations

import binascii
import re

CRLF = "\r\n"
LINE_LIMIT = 76
_WORD_LIMIT = 75
_WORD_OVERHEAD = len("=?utf-8?b??=")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_ADDRESS = re.compile(r"[^\s<>()\[\]\\,;:@\"]+@[^\s<>()\[\]\\,;:@\"]+")


def _clean(text: str) -> str:
    """Header text on one line: control characters (CR, LF, TAB...) become single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _needs_encoding(text: str) -> bool:
    return not text.isascii() or "=?" in text


def encoded_words(text: str, first_room: int) -> list[str]:
    """``text`` as complete UTF-8 ``B`` encoded words; the first fits ``first_room`` chars.

    Words split only between characters, so each decodes on its own (RFC 2047 section 5),
    and preferably after a space or outside a run of Latin letters and digits: a client that
    wrongly shows a space between adjacent words then does the least harm.
    """
    words: list[str] = []
    room = min(first_room, _WORD_LIMIT)
    chunk: list[str] = []
    size = 0
    for char in text:
        width = len(char.encode("utf-8"))
        if chunk and _b64_len(size + width) > room - _WORD_OVERHEAD:
            cut = _split_point(chunk)
            words.append(_word("".join(chunk[:cut]).encode("utf-8")))
            chunk = chunk[cut:]
            size = len("".join(chunk).encode("utf-8"))
            room = _WORD_LIMIT
        chunk.append(char)
        size += width
    if chunk or not words:
        words.append(_word("".join(chunk).encode("utf-8")))
    return words


def _split_point(chunk: list[str]) -> int:
    """Where to end an encoded word: after the last space, else outside a Latin word."""
    for index in range(len(chunk) - 1, 0, -1):
        if chunk[index - 1] == " ":
            return index
    for index in range(len(chunk) - 1, 0, -1):
        if not (_latin(chunk[index - 1]) and _latin(chunk[index])):
            return index
    return len(chunk)


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _b64_len(size: int) -> int:
    return (size + 2) // 3 * 4


def _word(data: bytes) -> str:
    return "=?utf-8?b?" + binascii.b2a_base64(data, newline=False).decode("ascii") + "?="


def unstructured(name: str, value: str) -> str:
    """One header line (folded, CRLF-terminated) for free text such as Subject."""
    text = _clean(value)
    prefix = name + ":"
    words = text.split(" ")
    if not _needs_encoding(text) and max(map(len, words)) < LINE_LIMIT - len(prefix):
        # Folding breaks before spaces; unfolding gives back the exact text.
        return fold_tokens(prefix, words)
    words = encoded_words(text, LINE_LIMIT - len(prefix) - 1)
    return prefix + " " + (CRLF + " ").join(words) + CRLF


def phrase(text: str, first_room: int = _WORD_LIMIT) -> list[str]:
    """A display name as header tokens: one quoted string, or encoded words."""
    cleaned = _clean(text)
    if not _needs_encoding(cleaned):
        return ['"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"']
    return encoded_words(cleaned, first_room)


def check_address(address: str) -> str:
    """Return an ASCII ``local@domain`` address; IDN domains become punycode.

    SES accepts no SMTPUTF8, so a non-ASCII local part is refused, as is anything that could
    smuggle header syntax (spaces, brackets, CR/LF).
    """
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an email address: {address!r}")
    if not domain.isascii():
        domain = domain.encode("idna").decode("ascii")
    candidate = f"{local}@{domain}"
    if not candidate.isascii() or not _ADDRESS.fullmatch(candidate):
        raise ValueError(f"not a plain ASCII email address: {address!r}")
    return candidate


def address(name: str, value: str, display_name: str | None = None) -> str:
    """An address header (From, To, Reply-To) with an optional display name, folded."""
    addr = "<" + check_address(value) + ">"
    prefix = name + ":"
    if not display_name or not _clean(display_name):
        return f"{prefix} {addr}{CRLF}"
    tokens = phrase(display_name, LINE_LIMIT - len(prefix) - 1)
    return fold_tokens(prefix, [*tokens, addr])


def list_id(display_name: str, label: str) -> str:
    """The RFC 2919 ``List-Id`` line: an optional phrase and ``<list-label.domain>``."""
    if not re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", label):
        raise ValueError(f"a list id is a dotted label such as daily.example.com: {label!r}")
    prefix = "List-Id:"
    tokens = phrase(display_name, LINE_LIMIT - len(prefix) - 1) if _clean(display_name) else []
    return fold_tokens(prefix, [*tokens, f"<{label}>"])


def fold_tokens(prefix: str, tokens: list[str]) -> str:
    """Join tokens with single spaces, breaking lines before a token that would pass 76."""
    lines = [prefix]
    for token in tokens:
        if len(lines[-1]) + 1 + len(token) > LINE_LIMIT and lines[-1] != prefix:
            lines.append("")
        lines[-1] += " " + token
    return CRLF.join(lines) + CRLF
