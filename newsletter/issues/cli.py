"""``newsletter issues ...``: commands about issues that need no database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from newsletter.issues.formats import IssueFormat, detect_format, parse_any
from newsletter.issues.problems import Problem, ProblemLog, ReportError
from newsletter.issues.tagging import TopicRules, seed_rules, tag_document
from newsletter.issues.text import decode_text


@click.group("issues")
def issues_cli() -> None:
    """Import and inspect newsletter issues."""


def keyword_rules() -> TopicRules:
    """The topic keyword rules used to suggest topics: the seeded ones."""
    return seed_rules()


@issues_cli.command("parse")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option(
    "--format",
    "format_name",
    type=click.Choice([fmt.value for fmt in IssueFormat]),
    help="The input format; by default from the file's extension or content.",
)
@click.option(
    "--tag/--no-tag",
    default=None,
    help="Suggest topics from keyword rules (default: only for the report text format, "
    "since Markdown and JSON carry the topics an editor chose).",
)
def parse_command(file: Path, format_name: str | None, tag: bool | None) -> None:
    """Parse FILE (report text, Markdown or JSON; '-' for stdin) and print it as JSON."""
    from_stdin = str(file) == "-"
    name = "<stdin>" if from_stdin else str(file)
    data = sys.stdin.buffer.read() if from_stdin else _read(file)
    decoding = ProblemLog()
    try:
        text = decode_text(data, decoding)
    except ReportError as exc:
        _fail(name, exc)
    fmt = IssueFormat(format_name or detect_format(text, None if from_stdin else name))
    warnings = list(decoding.warnings)
    try:
        doc = parse_any(text, name, fmt=fmt, warnings=warnings)
    except ReportError as exc:
        _fail(name, exc, earlier=warnings)
    _report(name, warnings, "warning")
    if tag or (tag is None and fmt is IssueFormat.REPORT):
        tag_document(doc, keyword_rules())
    click.echo(json.dumps(doc.to_json(), ensure_ascii=False, indent=2))


def _fail(name: str, error: ReportError, earlier: list[Problem] | None = None) -> NoReturn:
    """Print what made the input unusable, after the warnings found on the way, and exit 1."""
    _report(name, [*(earlier or []), *error.warnings], "warning")
    _report(name, error.problems, "error")
    sys.exit(1)


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        click.echo(f"{file}: error: cannot read the file: {exc.strerror}", err=True)
        sys.exit(1)


def _report(name: str, problems: list[Problem], severity: str) -> None:
    for problem in problems:
        click.echo(problem.located(name, severity), err=True)
