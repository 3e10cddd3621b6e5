"""What a single line of the report is, judged from the line alone.

Whether a line is a heading, a numbered item title, a bullet, a ``label：text`` field or
plain prose is decided here; what it means in its place (an item or a list entry, a field
or prose) is decided by :mod:`newsletter.issues.report.builder`.

Heading rule. Known headings (``今日总览``, ``今日N条结论``, ``Top N 大事件``...) are
recognised anywhere, also when decorated as ``## 今日总览``, ``【今日总览】``,
``一、今日总览``, ``**今日总览**`` or followed by a colon. A line marked with ``#`` or
``【】`` is a heading even when unknown (``一、其他`` is not: it is numbered like an item).
Any other line is at most a *candidate* (:func:`looks_like_heading`): at most 30
characters, a letter in it, no sentence punctuation, colon, URL or ``@``, not numbered and
not a bullet. The builder makes a candidate a heading (of kind ``other``) only when it
also stands alone between empty lines, is not the first line under a heading, is not
followed by a field and does not sit between an item's title and its first field.

Field rule. ``label：text`` (full-width or ASCII colon, spaces allowed around it) is a
field when the label is a known one (:data:`FIELD_LABELS`, :data:`SOURCE_LABELS`,
:data:`META_LABELS`), or when it is an unknown label that could only be a label: 2 to 10
Chinese characters (a ``/`` allowed), no punctuation or digits, and not ending in a verb
of saying (``官方称：``, ``他表示：`` introduce a quotation in prose, not a field). Latin
labels must be known, because ``OpenAI: ...`` in prose names a speaker, not a field.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from newsletter.issues.document import SectionKind
from newsletter.issues.report.lines import Line
from newsletter.issues.text import is_cjk, normalise_label

FIELD_LABELS = frozenset(
    {
        "发生了什么",
        "关键信息",
        "为什么重要",
        "对产业/企业的启发",
        "类型",
        "验证状态",
        "一句话判断",
        "做了什么",
        "新在哪里",
        "潜在应用方向",
        "背景",
        "影响",
        "风险",
        "风险提示",
        "局限",
        "下一步",
        "值得关注",
        "后续观察",
        "数据",
        "要点",
        "观点",
        "what happened",
        "key facts",
        "why it matters",
        "takeaway",
        "type",
        "status",
        "verdict",
        "what's new",
        "applications",
    }
)
SOURCE_LABELS = frozenset(
    {
        "可信来源",
        "来源",
        "信息来源",
        "参考来源",
        "参考资料",
        "资料来源",
        "参考链接",
        "原文链接",
        "链接",
        "出处",
        "sources",
        "source",
        "references",
        "links",
    }
)
META_LABELS = frozenset({"日期", "覆盖窗口", "时间窗口", "窗口", "date", "window", "coverage"})
_SAYING = (
    "说",
    "称",
    "表示",
    "指出",
    "认为",
    "强调",
    "写道",
    "提到",
    "透露",
    "宣布",
    "回应",
    "问",
    "答",
    "道",
    "提醒",
    "补充",
    "坦言",
    "表态",
    "发文",
    "直言",
)

_PREFIX = r"(?:今日|今天|本日|本周|本期|每日)?\s*"
_COUNT = r"(?:[0-9]+|[一二两三四五六七八九十]+)"
_KNOWN_HEADINGS: tuple[tuple[SectionKind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(_PREFIX + pattern, re.IGNORECASE))
    for kind, pattern in (
        (SectionKind.OVERVIEW, r"(?:总览|概览|综述|导读|速览|摘要)"),
        (SectionKind.CONCLUSIONS, rf"(?:{_COUNT}\s*条\s*)?(?:核心|关键|主要)?结论"),
        (SectionKind.EVENTS, rf"(?:top\s*{_COUNT}\s*)?(?:大事件|重大事件|重点事件|大事|要闻|事件)"),
        (
            SectionKind.ANALYSIS,
            r"(?:商业|产业|应用|市场|行业)(?:\s*[与和及、&]\s*(?:商业|产业|应用|市场|行业))?"
            r"(?:解读|分析|观察|洞察|启示)",
        ),
        (
            SectionKind.SOCIAL,
            r"(?:(?:x|twitter|推特|社交媒体|社交)\s*(?:平台)?\s*)?(?:高信号)?(?:观点|言论|声音)",
        ),
        (SectionKind.RESEARCH, r"(?:前沿)?(?:研究|论文|学术)(?:速递|精选|动态|进展|前沿)?"),
    )
)
_CN_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ANNOUNCED = re.compile(rf"(?:top\s*({_COUNT}))|(?:({_COUNT})\s*条)", re.IGNORECASE)
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_NUMBERED = re.compile(
    r"^(?:(\d{1,2})\s*[.．、](?!\d)|(\d{1,2})\s*[)）]|[(（]\s*(\d{1,2})\s*[)）])\s*(.*)$"
)
_BULLET = re.compile(r"^(?:[-*+]\s+|[•·●▪◦‣]\s*)(.*)$")
_LABELLED = re.compile(r"^([^：:]{1,24}?)\s*[：:]\s*(.*)$")
_UNKNOWN_LABEL = re.compile(r"^[\u3400-\u9fff]+(?:/[\u3400-\u9fff]+)*$")
_SENTENCE_MARKS = re.compile(r"[。，；！？,;!?：:|<>]|https?://|www\.|\.$")
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)$")
_CN_ORDINAL = re.compile(r"^[一二三四五六七八九十]+\s*[、.．]\s*")
_BOLD_NUMBER = re.compile(r"^\*\*([^*]{1,5})\*\*\s*")
#: ``一、标题``; not ``一、二线城市`` (a range of numerals, part of the sentence).
_CN_NUMBERED = re.compile(
    r"^([一二三四五六七八九十]{1,3})\s*[、.．]\s*(?![一二三四五六七八九十])(.*)$"
)


class Shape(Enum):
    """The shape of one line."""

    HEADING = "heading"
    NUMBERED = "numbered"
    BULLET = "bullet"
    LABELLED = "labelled"
    PLAIN = "plain"


@dataclass(frozen=True)
class Shaped:
    """A line with its shape and its content without the marker or label.

    ``kind`` is the section kind of a known heading (``None`` for an unknown heading);
    ``label`` the normalised label of a field; ``ordinal`` the number of a numbered line.
    """

    line: Line
    shape: Shape
    text: str
    label: str = ""
    ordinal: int = 0
    kind: SectionKind | None = None


def shape_of(line: Line) -> Shaped:
    """Classify ``line`` by its own text."""
    heading = _heading(line.text)
    if heading is not None:
        title, kind = heading
        return Shaped(line, Shape.HEADING, title, kind=kind)
    numbered = _numbered(line.text)
    if numbered is not None:
        ordinal, rest = numbered
        return Shaped(line, Shape.NUMBERED, _unbold(rest), ordinal=ordinal)
    bullet = _BULLET.match(line.text)
    if bullet and not line.text.startswith("**"):
        return Shaped(line, Shape.BULLET, bullet.group(1).strip())
    labelled = _labelled(line.text)
    if labelled is not None:
        label, rest = labelled
        return Shaped(line, Shape.LABELLED, rest, label=label)
    return Shaped(line, Shape.PLAIN, line.text)


def _numbered(text: str) -> tuple[int, str] | None:
    """``(number, rest)`` of ``1. ...``, ``１、...``, ``(1) ...``, ``**1.** ...`` or ``一、...``."""
    text = _BOLD_NUMBER.sub(r"\1 ", text)
    match = _NUMBERED.match(text.translate(_WIDE_DIGITS))
    if match:
        digits = next(group for group in match.groups()[:3] if group)
        return int(digits), text[match.start(4) :].strip()
    match = _CN_NUMBERED.match(text)
    if match:
        return _number(match.group(1)) or 0, match.group(2).strip()
    return None


def _labelled(text: str) -> tuple[str, str] | None:
    """``(label, rest)`` of a field line, also when the label is bold (``**标签**：``)."""
    match = _LABELLED.match(text)
    if not match:
        return None
    raw, rest = match.group(1).strip(), match.group(2).strip()
    if raw.startswith("**") and rest.startswith("**"):
        rest = rest[2:].strip()  # the colon inside the bold: **标签：** text
    raw = raw.strip("*").strip()
    return (normalise_label(raw), rest) if is_label(raw) else None


def _without_emoji(text: str) -> str:
    """Drop the emoji or symbols that some editors put before a heading (``📌 今日总览``)."""
    start = 0
    while start < len(text) and (
        unicodedata.category(text[start]) in {"So", "Sk"} or text[start] in "\ufe0f\u200d "
    ):
        start += 1
    return text[start:] if start < len(text) else text


def _unbold(text: str) -> str:
    if len(text) > 4 and text.startswith("**") and text.endswith("**"):
        return text[2:-2].strip()
    return text


def is_label(raw: str) -> bool:
    """Whether ``raw`` (the text before a colon) is a field label; see the module doc."""
    label = normalise_label(raw)
    if label.casefold() in FIELD_LABELS | SOURCE_LABELS | META_LABELS:
        return True
    return (
        2 <= len(label) <= 10 and bool(_UNKNOWN_LABEL.match(label)) and not label.endswith(_SAYING)
    )


def label_role(label: str) -> str:
    """``"source"``, ``"meta"`` or ``"field"``: what a field with this label holds."""
    folded = label.casefold()
    if folded in SOURCE_LABELS:
        return "source"
    return "meta" if folded in META_LABELS else "field"


def known_heading_kind(title: str) -> SectionKind | None:
    """The section kind of a known heading title, or ``None``.

    A note in parentheses after the heading (``今日 Top 5 大事件（按影响排序）``) is ignored.
    """
    compact = unicodedata.normalize("NFKC", title).strip()
    without_note = _TRAILING_NOTE.sub("", compact)
    for kind, pattern in _KNOWN_HEADINGS:
        if pattern.fullmatch(compact) or pattern.fullmatch(without_note):
            return kind
    return None


def looks_like_heading(text: str) -> bool:
    """Whether ``text`` has the shape of a heading: short, no sentence punctuation."""
    return (
        len(text) <= 30
        and any(char.isalpha() or is_cjk(char) for char in text)
        and not _SENTENCE_MARKS.search(text)
        and not text.startswith(("@", "(", "（"))
    )


def announced_count(title: str) -> int | None:
    """The number of entries a heading announces (``Top 5``, ``三条``), if any."""
    match = _ANNOUNCED.search(unicodedata.normalize("NFKC", title))
    if not match:
        return None
    return _number(match.group(1) or match.group(2))


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    tens, _, ones = text.partition("十")
    if "十" not in text:
        return _CN_DIGITS.get(text)
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def _heading(text: str) -> tuple[str, SectionKind | None] | None:
    """``(title, kind)`` when ``text`` is a known or explicitly marked heading."""
    title, explicit = _undecorate(text)
    if title != text and title.casefold() in FIELD_LABELS:
        return None  # "观点：" with its text on the next lines is a field, not a heading
    kind = known_heading_kind(title)
    if kind is not None or (explicit and title and looks_like_heading(title)):
        return title, kind
    return None


def _undecorate(text: str) -> tuple[str, bool]:
    """Strip heading decorations; say whether one of them marks a heading for certain."""
    explicit = False
    text = _without_emoji(text)
    if text.startswith("#"):
        stripped = text.lstrip("#")
        explicit = stripped[:1] == " "
        text = stripped.strip() if explicit else text
    if len(text) > 2 and text[0] == "【" and text[-1] == "】":
        text, explicit = text[1:-1].strip(), True
    text = _unbold(text)
    ordinal = _CN_ORDINAL.match(text)
    if ordinal and known_heading_kind(text[ordinal.end() :].rstrip("：:")) is not None:
        text = text[ordinal.end() :]  # 二、今日总览; an unknown 二、... is a numbered item
    return text.rstrip("：:").strip(), explicit
