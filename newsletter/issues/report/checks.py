"""Checks of the whole parsed report: what only shows once every line has been read."""

from __future__ import annotations

from newsletter.issues.document import IssueDocument, Section, SectionKind
from newsletter.issues.problems import ProblemLog
from newsletter.issues.report.shapes import announced_count


def check_document(
    doc: IssueDocument,
    ordinals: dict[int, list[tuple[int, int]]],
    problems: ProblemLog,
    last_line: int,
) -> None:
    """Drop empty sections and record what looks wrong in the structure of ``doc``."""
    kept = []
    for section in doc.sections:
        if section.paragraphs or section.items:
            kept.append(section)
        else:
            problems.warn(f"the section {section.title!r} is empty and was left out", section.line)
    doc.sections = kept
    if not doc.sections:
        problems.error(
            "the report has no sections: no heading like 今日总览 or Top 5 大事件", last_line
        )
    for section in doc.sections:
        _check_numbering(section, ordinals.get(id(section), []), problems)
        _check_announced_count(section, problems)
        for item in section.items:
            if item.title and not item.fields and not item.sources:
                problems.warn(f"the item {item.title!r} has a title but no text", item.line)
    if doc.date is None:
        problems.warn("the report gives no date; set one before the issue is scheduled", 1)


def _check_numbering(
    section: Section, ordinals: list[tuple[int, int]], problems: ProblemLog
) -> None:
    """Items should be numbered 1, 2, 3...; a gap often means an item was lost in editing."""
    for expected, (ordinal, line) in enumerate(ordinals, 1):
        if ordinal != expected:
            problems.warn(f"item numbered {ordinal} where {expected} was expected", line)
            return


def _check_announced_count(section: Section, problems: ProblemLog) -> None:
    """``Top 5`` or ``三条结论`` promise a number of entries; say when the text disagrees."""
    announced = announced_count(section.title)
    if announced is None:
        return
    entries = (
        len(section.paragraphs) if section.kind is SectionKind.CONCLUSIONS else len(section.items)
    )
    if entries != announced:
        problems.warn(
            f"the heading {section.title!r} announces {announced} entries but the section "
            f"has {entries}",
            section.line,
        )
