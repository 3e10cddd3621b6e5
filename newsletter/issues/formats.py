"""One entry point for every input format of an issue, with format detection."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import PurePath

from newsletter.issues.document import IssueDocument
from newsletter.issues.json_format import parse_json
from newsletter.issues.markdown_format import parse_markdown
from newsletter.issues.problems import Problem, ProblemLog
from newsletter.issues.report import parse_report
from newsletter.issues.text import decode_text


class IssueFormat(StrEnum):
    """The formats an issue can be imported from."""

    REPORT = "report"
    MARKDOWN = "markdown"
    JSON = "json"


_EXTENSIONS = {
    ".md": IssueFormat.MARKDOWN,
    ".markdown": IssueFormat.MARKDOWN,
    ".json": IssueFormat.JSON,
}
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?:.*\r?\n)*?title[ \t]*:", re.MULTILINE)


def detect_format(text: str, filename: str | None = None) -> IssueFormat:
    """The format of an input: by the file name's extension, otherwise by its content.

    ``.md``/``.markdown`` is Markdown and ``.json`` JSON. Otherwise (``.txt`` included)
    content that opens with YAML front matter holding a title is Markdown, content that
    opens with ``{`` is JSON, and anything else is the report text format.
    """
    if filename:
        by_extension = _EXTENSIONS.get(PurePath(filename).suffix.lower())
        if by_extension is not None:
            return by_extension
    if _FRONT_MATTER.match(text):
        return IssueFormat.MARKDOWN
    if text.lstrip("\ufeff \t\r\n").startswith("{"):
        return IssueFormat.JSON
    return IssueFormat.REPORT


def parse_any(
    text: str | bytes,
    filename: str | None = None,
    *,
    fmt: IssueFormat | None = None,
    warnings: list[Problem] | None = None,
) -> IssueDocument:
    """Parse an issue in any format; ``fmt`` overrides detection.

    Bytes are decoded as :func:`newsletter.issues.text.decode_text` describes. Raises
    ``ReportError`` with every problem found; warnings are appended to ``warnings``.
    """
    if isinstance(text, bytes):
        problems = ProblemLog()
        text = decode_text(text, problems)
        problems.finish(warnings)
    fmt = fmt or detect_format(text, filename)
    if fmt is IssueFormat.MARKDOWN:
        return parse_markdown(text, warnings=warnings)
    if fmt is IssueFormat.JSON:
        return parse_json(text, warnings=warnings)
    return parse_report(text, warnings=warnings)
