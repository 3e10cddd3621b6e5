"""The report's lines, cleaned of what editors and their tools add by accident.

Line numbers are those an editor sees: lines are split at ``\\n``, ``\\r\\n`` or a lone
``\\r``, counting from 1, whatever cleaning happens afterwards.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from newsletter.issues.problems import ProblemLog
from newsletter.issues.text import lines_of

#: Invisible characters that word processors leave in copied text.
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"))
#: Spaces of every width become one ordinary space; tabs too.
_WIDE_SPACES = re.compile(r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000\f\v]")
#: A line made only of rule characters separates parts visually and carries no text.
_RULE = re.compile(r"^([-=*_~—─━·.])\1{2,}$")


@dataclass(frozen=True)
class Line:
    """One non-empty line of the report: its number and its cleaned text.

    ``blank_before`` and ``blank_after`` say whether an empty line (or the start or end of
    the file) surrounds it; headings and broken paragraphs are told apart by them.
    """

    number: int
    text: str
    blank_before: bool
    blank_after: bool


def split_lines(text: str, problems: ProblemLog) -> list[Line]:
    """Split ``text`` into its non-empty, cleaned lines; record unusable characters."""
    if "\x00" in text:
        first = text[: text.index("\x00")].count("\n") + 1
        raise problems.fail(
            "this is a binary file, not a text report (it contains NUL bytes)", first
        )
    cleaned = [_clean(raw, number, problems) for number, raw in enumerate(lines_of(text), 1)]
    lines: list[Line] = []
    for index, value in enumerate(cleaned):
        if not value:
            continue
        before = index == 0 or not cleaned[index - 1]
        after = index == len(cleaned) - 1 or not cleaned[index + 1]
        lines.append(Line(index + 1, value, before, after))
    return lines


def _clean(raw: str, number: int, problems: ProblemLog) -> str:
    text = _WIDE_SPACES.sub(" ", raw.translate(_INVISIBLE)).strip()
    if "\ufffd" in text:
        problems.error(
            "the text contains U+FFFD replacement characters: it was decoded with the wrong "
            "encoding somewhere before; export the report again as UTF-8",
            number,
        )
    bad = sorted({char for char in text if unicodedata.category(char) in {"Cc", "Cs"}})
    if bad:
        names = ", ".join(f"U+{ord(char):04X}" for char in bad)
        problems.error(f"the line contains control characters ({names})", number)
        text = "".join(char for char in text if char not in bad)
    return "" if _RULE.match(text) else text
