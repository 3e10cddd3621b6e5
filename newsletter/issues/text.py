"""Text rules shared by the importers: decoding, joining broken lines, escapes, labels.

Chinese and Latin text meet in every line of the report, and the report's own style is to
put one space between a Chinese character and a Latin word or number (``在 2026-04-01 更新``)
but none between two Chinese characters or next to full-width punctuation. Joining a line
broken in the middle of a sentence has to follow the same rule, or the rejoined sentence
reads differently from the rest.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsletter.issues.problems import ProblemLog

_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3040, 0x30FF),  # kana
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xAC00, 0xD7AF),  # hangul
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0x20000, 0x3FFFF),  # extensions B and later
)
#: Punctuation that is set full width in Chinese text: no space is put next to it.
_WIDE_PUNCTUATION = set("、。，．；：！？“”‘’「」『』《》〈〉【】（）〔〕…—～·￥％＋－／")
#: Marks that end a sentence or a clause that can stand alone.
_SENTENCE_END = set("。！？!?….．;；:：")
#: Closing quotes and brackets: a block ending in one has been closed on purpose.
_CLOSERS = set("”’\"'」』》〉】）)]〕")
#: A backslash before ASCII punctuation is a Markdown escape, as in CommonMark.
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SLASH = re.compile(r"\s*[/／]\s*")
_SPACES = re.compile(r"\s+")


def is_cjk(char: str) -> bool:
    """Whether ``char`` is a Chinese, Japanese or Korean letter (not punctuation)."""
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def is_wide_punctuation(char: str) -> bool:
    """Whether ``char`` is full-width punctuation, next to which no space is written."""
    return char in _WIDE_PUNCTUATION or 0xFF01 <= ord(char) <= 0xFF0F


def join_text(left: str, right: str) -> str:
    """Join two pieces of one sentence that a line break had split.

    Two Chinese characters, or anything next to full-width punctuation, join directly; any
    other pair (Latin or digits next to Chinese, or Latin next to Latin) gets one space.
    """
    left, right = left.rstrip(), right.lstrip()
    if not left or not right:
        return left + right
    a, b = left[-1], right[0]
    if is_wide_punctuation(a) or is_wide_punctuation(b) or (is_cjk(a) and is_cjk(b)):
        return left + right
    return f"{left} {right}"


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends where a sentence or clause may end.

    A closing quote or bracket also counts: text that ends in one was closed on purpose,
    whereas a line ending in a word or a number was most likely broken in mid-sentence.
    """
    text = text.rstrip()
    return bool(text) and (text[-1] in _SENTENCE_END or text[-1] in _CLOSERS)


def lines_of(text: str) -> list[str]:
    """Split ``text`` into lines as an editor numbers them (``\\n``, ``\\r\\n`` or ``\\r``)."""
    return _LINE_BREAK.split(text.removeprefix("\ufeff"))


def unescape_markdown(text: str) -> str:
    r"""Drop Markdown backslash escapes (``\$122`` -> ``$122``) left by a Markdown export."""
    return _MARKDOWN_ESCAPE.sub(r"\1", text)


def normalise_label(label: str) -> str:
    """The canonical form of a field label: ``对产业 / 企业的启发`` -> ``对产业/企业的启发``."""
    return _SPACES.sub(" ", _SLASH.sub("/", label)).strip()


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute ``http``/``https`` URL with a host and no spaces."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme.lower() in {"http", "https"}
        and bool(parts.netloc)
        and not any(char.isspace() for char in url)
    )


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is a time zone this machine knows (an IANA name such as Asia/Shanghai)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def decode_text(data: bytes, problems: ProblemLog) -> str:
    """Decode an uploaded file: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030.

    Reports written on Chinese Windows machines are often saved as GB18030 (GBK); such a
    file is accepted with a warning, but only when it decodes to clean text, so a binary
    file is still refused rather than read as nonsense.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise problems.fail(f"not valid UTF-16 text ({exc.reason})", 1) from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise problems.fail(
            "this is a binary file, not a text report (it contains NUL bytes)", line
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        failure = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if text and _looks_like_text(text):
        problems.warn("the file is not UTF-8; it was read as GB18030 (GBK): save it as UTF-8", 1)
        return text
    message = f"the file is not valid UTF-8 (byte {failure.start}): save the report as UTF-8"
    raise problems.fail(message, line)


def _looks_like_text(text: str) -> bool:
    letters = sum(1 for char in text if char.isalpha())
    controls = sum(1 for char in text if unicodedata.category(char) in {"Cc", "Co", "Cn"})
    controls -= text.count("\n") + text.count("\r") + text.count("\t")
    return controls == 0 and letters > len(text) // 4
