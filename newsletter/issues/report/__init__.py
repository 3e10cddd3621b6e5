"""Read the daily report's text format (``AI前沿发展日报 | 2026-04-07 ...``) into an issue.

The rules for telling headings, items, fields, sources and broken paragraphs apart are
described where they are applied: :mod:`~newsletter.issues.report.shapes` (headings and
fields), :mod:`~newsletter.issues.report.builder` (paragraphs and items) and
:mod:`~newsletter.issues.report.sources` (source entries).
"""

from __future__ import annotations

from newsletter.issues.document import IssueDocument
from newsletter.issues.problems import Problem, ProblemLog
from newsletter.issues.report.builder import ReportBuilder
from newsletter.issues.report.checks import check_document
from newsletter.issues.report.lines import split_lines
from newsletter.issues.report.shapes import shape_of
from newsletter.issues.text import decode_text

__all__ = ["parse_report"]


def parse_report(text: str | bytes, *, warnings: list[Problem] | None = None) -> IssueDocument:
    """Parse a report in the daily text format.

    ``text`` may be the file's bytes (UTF-8, UTF-16 with BOM, or GB18030) or decoded text.
    Raises :class:`~newsletter.issues.problems.ReportError` listing every problem found
    when the report cannot be used; when it can, the warnings (what was repaired or looks
    odd) are appended to ``warnings`` if a list is given.
    """
    problems = ProblemLog()
    if isinstance(text, bytes):
        text = decode_text(text, problems)
    lines = [shape_of(line) for line in split_lines(text, problems)]
    if not lines:
        raise problems.fail("the report is empty", 1)
    builder = ReportBuilder(problems)
    builder.feed_title(lines[0])
    for index in range(1, len(lines)):
        following = lines[index + 1] if index + 1 < len(lines) else None
        builder.feed(lines[index], following)
    check_document(builder.doc, builder.ordinals, problems, lines[-1].line.number)
    problems.finish(warnings)
    return builder.doc
