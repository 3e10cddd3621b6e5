"""``newsletter issues import|render|list|export``: the issue commands that use the database.

They join ``parse`` (:mod:`newsletter.issues.cli`) in the ``issues`` group, run inside the
application (its database, settings, signing key and topic rules) and commit once, at the end.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.context import current_render_settings, current_signer
from newsletter.delivery.errors import TransitionError
from newsletter.delivery.wall_time import local_text, parse_wall_time, to_utc
from newsletter.extensions import db
from newsletter.issues.cli import (
    STDIN_NAME,
    fail_with_problems,
    issues_cli,
    read_source,
    report_problems,
)
from newsletter.issues.document import IssueDocument
from newsletter.issues.formats import IssueFormat, detect_format, parse_any
from newsletter.issues.importing import import_issue, read_input
from newsletter.issues.markdown_format import export_markdown
from newsletter.issues.problems import Problem, ReportError
from newsletter.issues.scheduling import schedule_for_editor
from newsletter.issues.status import list_issues
from newsletter.issues.storage import load_document
from newsletter.issues.tagging import tag_document
from newsletter.models import Issue
from newsletter.rendering.cli import build_render_command
from newsletter.topics.rules import keyword_rules

FORMATS = click.Choice([fmt.value for fmt in IssueFormat])


def find_issue(session: Session, reference: str) -> Issue | None:
    """The issue named by its id (``12``) or its slug (``2026-04-07``)."""
    if reference.isdigit():
        return session.get(Issue, int(reference))
    return session.scalar(select(Issue).where(Issue.slug == reference))


@issues_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--format", "format_name", type=FORMATS, help="Default: from extension/content.")
@click.option(
    "--schedule",
    "schedule_at",
    metavar='"YYYY-MM-DD HH:MM"',
    help="Also schedule it for every reader, at this wall time in --timezone.",
)
@click.option(
    "--timezone",
    default=None,
    help="The time zone of --schedule; default the issue's own (Asia/Shanghai).",
)
@with_appcontext
def import_command(
    file: Path, format_name: str | None, schedule_at: str | None, timezone: str | None
) -> None:
    """Store FILE (report text, Markdown or JSON; '-' for stdin) as a new issue.

    Problems are printed as FILE:LINE: error: ...; on any error (the schedule's included)
    nothing is stored.
    """
    at = _wall_time(schedule_at) if schedule_at else None
    name, data = read_source(file)
    session = db.session
    try:
        result = import_issue(
            session,
            data,
            rules=keyword_rules(session),
            actor=audit.SYSTEM,
            filename=None if name == STDIN_NAME else name,
            fmt=IssueFormat(format_name) if format_name else None,
        )
    except ReportError as exc:
        session.rollback()
        fail_with_problems(name, exc)
    issue = result.issue
    zone = timezone or issue.timezone
    if at is not None:
        try:
            schedule_for_editor(session, issue, at=at, timezone=zone, actor=audit.SYSTEM)
        except TransitionError as exc:
            session.rollback()
            raise click.BadParameter(str(exc), param_hint="--schedule") from exc
    session.commit()
    report_problems(name, result.warnings, "warning")
    items = sum(len(section.items) for section in issue.sections)
    click.echo(
        f"imported issue {issue.id} ({issue.slug}): {len(issue.sections)} sections, "
        f"{items} items, from {result.fmt.value}"
    )
    if at is not None:
        click.echo(f"scheduled for {local_text(to_utc(at, zone), zone)}")


def _wall_time(text: str) -> dt.datetime:
    try:
        return parse_wall_time(text)
    except TransitionError as exc:
        raise click.BadParameter(str(exc), param_hint="--schedule") from exc


@issues_cli.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@with_appcontext
def list_command(limit: int) -> None:
    """The newest issues with their date and the state of their newest campaign."""
    rows = list_issues(db.session, limit)
    if not rows:
        click.echo("no issues yet: import one with `newsletter issues import FILE`")
        return
    click.echo(
        f"{'id':>5}  {'slug':<14} {'date':<10}  {'state':<10} {'scheduled (UTC)':<16}  title"
    )
    for row in rows:
        issue, campaign = row.issue, row.campaign
        date = issue.issue_date.isoformat() if issue.issue_date else "-"
        when = campaign.scheduled_at if campaign is not None else None
        scheduled = when.strftime("%Y-%m-%d %H:%M") if when else "-"
        click.echo(
            f"{issue.id:>5}  {issue.slug:<14} {date:<10}  {row.state:<10} {scheduled:<16}  "
            f"{issue.title}"
        )


@issues_cli.command("export")
@click.argument("reference", metavar="ID")
@click.option(
    "--format",
    "format_name",
    type=click.Choice([IssueFormat.MARKDOWN.value, IssueFormat.JSON.value]),
    default=IssueFormat.MARKDOWN.value,
    show_default=True,
)
@click.option("--output", "-o", default="-", help="File to write; - is stdout.")
@with_appcontext
def export_command(reference: str, format_name: str, output: str) -> None:
    """Write issue ID (id or slug) as Markdown or JSON; importing the file gives it back."""
    issue = find_issue(db.session, reference)
    if issue is None:
        raise click.BadParameter(f"no issue with id or slug {reference!r}", param_hint="ID")
    text = export_issue(load_document(issue), IssueFormat(format_name))
    with click.open_file(output, "w", encoding="utf-8") as handle:
        handle.write(text)


def export_issue(doc: IssueDocument, fmt: IssueFormat) -> str:
    """The issue in an importable format: Markdown with front matter, or JSON."""
    if fmt is IssueFormat.MARKDOWN:
        return export_markdown(doc)
    data = {**doc.to_json(), "timezone": doc.timezone}
    data.update(subject=doc.subject, preheader=doc.preheader)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def load_render_source(source: str) -> IssueDocument:
    """The document of SOURCE: a report file (tagged with the topic rules) or an issue id/slug."""
    path = Path(source)
    if path.is_file():
        return _parse_file(path)
    issue = find_issue(db.session, source)
    if issue is None:
        raise click.BadParameter(
            f"{source!r} is neither a readable file nor an issue id or slug", param_hint="SOURCE"
        )
    return load_document(issue)


def _parse_file(path: Path) -> IssueDocument:
    name, data = read_source(path)
    warnings: list[Problem] = []
    try:
        text, warnings = read_input(data)
        fmt = detect_format(text, name)
        doc = parse_any(text, name, fmt=fmt, warnings=warnings)
    except ReportError as exc:
        fail_with_problems(name, exc, earlier=warnings)
    report_problems(name, warnings, "warning")
    if fmt is IssueFormat.REPORT:
        tag_document(doc, keyword_rules(db.session))
    return doc


def _render_command() -> click.Command:
    command = build_render_command(
        load_render_source,
        lambda: current_render_settings(db.session),
        current_signer,
        check_every_mix=True,
    )
    assert command.callback is not None
    command.callback = with_appcontext(command.callback)
    return command


issues_cli.add_command(_render_command())

#: The whole ``issues`` group: ``parse`` and the database commands above.
issues_group = issues_cli
