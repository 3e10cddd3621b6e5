"""Checks every format shares once an issue document is built.

The report format refuses control characters line by line as it reads; Markdown (front matter
escapes such as ``"\\u0006"``) and JSON (``"\\u0007"``) can smuggle them into any field, where
the MJML compiler fails at preview or, worse, at send time. So the finished document is walked
once and every such field is named, with its item's line where the format knows it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from newsletter.issues.document import IssueDocument
from newsletter.issues.problems import ProblemLog

#: Control characters an issue may hold: tabs and line breaks are layout, not garbage.
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def forbidden_characters(text: str) -> list[str]:
    """The characters of ``text`` no issue may hold, as ``U+XXXX``: controls and lone surrogates."""
    found = {
        char
        for char in text
        if char not in _ALLOWED_CONTROLS and unicodedata.category(char) in {"Cc", "Cs"}
    }
    return [f"U+{ord(char):04X}" for char in sorted(found)]


def check_characters(doc: IssueDocument, problems: ProblemLog) -> None:
    """Record an error for every field of ``doc`` holding a forbidden character."""
    for path, line, text in _texts(doc):
        bad = forbidden_characters(text)
        if bad:
            # A problem with a line is printed by its line, so the field is named in the text.
            where = f" in {path}" if line is not None else ""
            problems.error(f"control characters ({', '.join(bad)}){where}", line, path)


def _texts(doc: IssueDocument) -> Iterator[tuple[str, int | None, str]]:
    for name in ("title", "window", "subject", "preheader", "timezone"):
        yield name, None, getattr(doc, name)
    for s, section in enumerate(doc.sections):
        where = f"sections[{s}]"
        yield f"{where}.title", section.line, section.title
        for p, paragraph in enumerate(section.paragraphs):
            yield f"{where}.paragraphs[{p}]", section.line, paragraph
        for i, item in enumerate(section.items):
            at = f"{where}.items[{i}]"
            yield f"{at}.title", item.line, item.title
            for label, value in item.fields.items():
                yield f"{at}.fields.{label}", item.line, label + value
            for n, source in enumerate(item.sources):
                text = source.publisher + source.title + source.url
                yield f"{at}.sources[{n}]", item.line, text
            for topic in item.topics:
                yield f"{at}.topics", item.line, topic
