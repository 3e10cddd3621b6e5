"""Importing an issue into the database: parse, suggest topics, store, audit, all or nothing.

The CLI (``newsletter issues import``) and the editor's import form both come through here,
so a report is read, tagged and stored the same way whichever door it came in by. Nothing is
added to the session unless the whole input was read without an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.issues.formats import IssueFormat, detect_format, parse_any
from newsletter.issues.problems import Problem, ProblemLog, ReportError
from newsletter.issues.storage import UnknownTopic, create_issue
from newsletter.issues.tagging import TopicRules, tag_document
from newsletter.issues.text import decode_text
from newsletter.models import Issue

#: How the issue table names each input format (``Issue.source_format``).
SOURCE_FORMATS = {
    IssueFormat.REPORT: "text",
    IssueFormat.MARKDOWN: "markdown",
    IssueFormat.JSON: "json",
}


@dataclass(frozen=True)
class ImportResult:
    """The stored issue and the warnings the importer repaired or let through."""

    issue: Issue
    fmt: IssueFormat
    warnings: list[Problem]


def read_input(data: str | bytes) -> tuple[str, list[Problem]]:
    """Decode uploaded bytes (UTF-8 with or without BOM, GB18030, ...) into text and warnings."""
    if isinstance(data, str):
        return data, []
    problems = ProblemLog()
    text = decode_text(data, problems)
    return text, list(problems.warnings)


def import_issue(
    session: Session,
    data: str | bytes,
    *,
    rules: TopicRules,
    actor: audit.Actor,
    filename: str | None = None,
    fmt: IssueFormat | None = None,
    created_by_id: int | None = None,
) -> ImportResult:
    """Parse ``data`` (report text, Markdown or JSON) and add it as a new issue.

    Report text gets topics suggested by ``rules``; Markdown and JSON keep the topics the
    editor wrote. Raises ``ReportError`` listing every problem (an unknown topic slug
    included) and then adds nothing. The caller commits.
    """
    text, warnings = read_input(data)
    fmt = fmt or detect_format(text, filename)
    doc = parse_any(text, filename, fmt=fmt, warnings=warnings)
    if fmt is IssueFormat.REPORT:
        tag_document(doc, rules)
    try:
        # Topics are checked before the issue joins the session, so a refusal adds nothing.
        issue = create_issue(
            session,
            doc,
            source_format=SOURCE_FORMATS[fmt],
            source_text=text,
            created_by_id=created_by_id,
            editor_topics=fmt is not IssueFormat.REPORT,
        )
    except UnknownTopic as exc:
        raise ReportError([Problem(str(exc))], warnings) from exc
    audit.record(
        session,
        "issue.import",
        actor=actor,
        entity_type="issue",
        entity_id=issue.id,
        detail={"format": fmt.value, "slug": issue.slug, "warnings": len(warnings)},
    )
    return ImportResult(issue, fmt, warnings)
