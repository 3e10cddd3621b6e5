"""The editors' own authoring format: Markdown with YAML front matter.

::

    ---
    title: AI前沿发展日报
    date: 2026-04-07
    timezone: Asia/Shanghai
    window: 重点核查 2026-04-01 至 2026-04-07 ...
    subject: ''
    preheader: ''
    ---

    ## 今日总览 {#overview}

    A paragraph.

    ## 今日三条结论 {#conclusions}

    - A conclusion.

    ## 今日 Top 5 大事件 {#events}

    ### OpenAI 完成 1220 亿美元新融资 {topics=capital,compute}

    **发生了什么**: The text of the field.

    A second paragraph of the same field.

    - OpenAI: [OpenAI raises \\$122 billion](<https://openai.com/...>)

A section heading carries its kind as ``{#kind}`` (without it the kind is inferred from the
title, as for the report format); an item heading may carry its topics as
``{topics=slug,slug}``. Each list entry of an item that is a link is a source, with its
publisher before the colon. Text is literal apart from backslash escapes (``\\*``, ``\\[``,
``\\\\``...), which the exporter writes wherever text could be mistaken for markup, and a
backslash at the end of a line, which keeps the line break inside the paragraph.

:func:`export_markdown` and :func:`parse_markdown` are inverse: exporting a document and
parsing the result gives an equal document.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind
from newsletter.issues.document_checks import check_characters
from newsletter.issues.markdown_body import parse_body
from newsletter.issues.markdown_front import read_front_matter
from newsletter.issues.problems import Problem, ProblemLog

__all__ = ["export_markdown", "parse_markdown"]

_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
_ORDERED = re.compile(r"^(\d+)([.)])")


def export_markdown(doc: IssueDocument) -> str:
    """Write ``doc`` in the Markdown authoring format."""
    blocks = [_front_matter(doc)]
    for section in doc.sections:
        blocks.extend(_section_blocks(section))
    return "\n\n".join(blocks) + "\n"


def parse_markdown(text: str, *, warnings: list[Problem] | None = None) -> IssueDocument:
    """Parse the Markdown authoring format; raise ``ReportError`` listing every problem."""
    problems = ProblemLog()
    doc, body_start = read_front_matter(text, problems)
    parse_body(doc, text, body_start, problems)
    check_characters(doc, problems)
    problems.finish(warnings)
    return doc


def _front_matter(doc: IssueDocument) -> str:
    data: dict[str, Any] = {
        "title": doc.title,
        "date": doc.date,
        "timezone": doc.timezone,
        "window": doc.window,
        "subject": doc.subject,
        "preheader": doc.preheader,
    }
    dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1_000_000)
    return f"---\n{dumped}---"


def _section_blocks(section: Section) -> list[str]:
    title = _heading_text(section.title)
    marker = f"{{#{section.kind.value}}}"
    blocks = [" ".join(part for part in ("##", title, marker) if part)]
    if section.kind is SectionKind.CONCLUSIONS and section.paragraphs:
        # "[" escaped: a conclusion must never read as a source link ("- A: [t](<u>)").
        entries = (f"- {_block(paragraph, '[')}" for paragraph in section.paragraphs)
        blocks.append("\n".join(entries))
    else:
        blocks.extend(_block(paragraph) for paragraph in section.paragraphs)
    for item in section.items:
        blocks.extend(_item_blocks(item))
    return blocks


def _item_blocks(item: Item) -> list[str]:
    heading = f"### {_heading_text(item.title)}"
    if item.topics:
        heading += " {topics=" + ",".join(item.topics) + "}"
    blocks = [heading]
    for label, text in item.fields.items():
        first, *more = text.split("\n\n")
        blocks.append(f"**{_escape(label, '*')}**: {_inline_lines(first)}".rstrip(" "))
        blocks.extend(_block(paragraph) for paragraph in more)
    if item.sources:
        blocks.append("\n".join(_source_line(s.publisher, s.title, s.url) for s in item.sources))
    return blocks


def _source_line(publisher: str, title: str, url: str) -> str:
    prefix = f"{_escape(publisher, '[]')}: " if publisher else ""
    return f"- {prefix}[{_escape(title, '[]')}](<{_escape(url, '<>')}>)"


def _escape(text: str, specials: str = "") -> str:
    """Escape backslashes, and ``specials``, so that the text reads back literally."""
    text = text.replace("\\", "\\\\")
    for char in specials:
        text = text.replace(char, "\\" + char)
    return text


def _heading_text(text: str) -> str:
    return _escape(text, "{")


def _block(text: str, specials: str = "") -> str:
    """A paragraph as lines of Markdown, none of which can be read as markup."""
    lines = text.split("\n")
    return "\\\n".join(_line_start(_escape(line, specials), line) for line in lines)


def _inline_lines(text: str) -> str:
    """Text that follows a label on its line: only its later lines start a Markdown line."""
    first, *rest = text.split("\n")
    return "\\\n".join([_escape(first), *(_line_start(_escape(line), line) for line in rest)])


def _line_start(escaped: str, original: str) -> str:
    """Escape what would make a line start a heading, a list entry or a field."""
    if escaped.startswith("\\"):
        return escaped  # already escaped: a backslash or one of the specials comes first
    if _PUNCTUATION.match(original[:1]):
        return "\\" + escaped
    ordered = _ORDERED.match(escaped)
    if ordered:
        return f"{ordered.group(1)}\\{escaped[len(ordered.group(1)) :]}"
    return escaped
