"""The per-reader values that fill a variant's slots, made safe for headers and HTML."""

from __future__ import annotations

import html
import re

from newsletter.rendering.slots import Slot
from newsletter.rendering.strings import catalog

NAME_MAX_CHARS = 64
# Control characters (CR/LF above all) would break headers and the text layout.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,200}")


def one_line(text: str | None) -> str:
    """``text`` without control characters (CR/LF above all) or runs of blanks."""
    if not text:
        return ""
    return " ".join(_CONTROL.sub(" ", text).split())


def clean_name(name: str | None) -> str:
    """A reader's display name on one line, at most 64 characters."""
    return one_line(name)[:NAME_MAX_CHARS]


def check_token(token: str) -> str:
    """Return ``token`` if it is base64url as our signer makes it, else raise ValueError.

    Tokens go into URLs and headers verbatim, so anything else is refused outright.
    """
    if not _TOKEN.fullmatch(token):
        raise ValueError("a delivery token is 8-200 base64url characters")
    return token


def greeting(name: str, locale: str) -> str:
    """The salutation line: with the reader's (cleaned) name when there is one."""
    strings = catalog(locale)
    return strings["greeting_named"].format(name=name) if name else strings["greeting_anonymous"]


def greeting_pair(name: str, locale: str) -> tuple[str, str]:
    """The salutation for (HTML, text): escaped for HTML, as is for text."""
    salutation = greeting(clean_name(name), locale)
    return html.escape(salutation), salutation


def topics_pair(topics_label: str) -> tuple[str, str]:
    """The "why you receive this" topics for (HTML, text), on one line."""
    label = one_line(topics_label)
    return html.escape(label), label


def slot_values(
    token: str, name: str, topics_label: str, locale: str, *, for_html: bool
) -> dict[Slot, str]:
    """The text of every slot for one reader, HTML-escaped for the HTML part."""
    part = 0 if for_html else 1
    return {
        Slot.TOKEN: check_token(token),
        Slot.GREETING: greeting_pair(name, locale)[part],
        Slot.TOPICS: topics_pair(topics_label)[part],
    }
