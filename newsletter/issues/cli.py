"""``newsletter issues parse``, which needs no database, and the helpers every issues command
shares for reading a file and printing its problems as ``FILE:LINE: severity: message``.

The commands that store or load issues live in :mod:`newsletter.issues.commands`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from newsletter.issues.formats import IssueFormat, detect_format, parse_any
from newsletter.issues.problems import Problem, ProblemLog, ReportError
from newsletter.issues.tagging import tag_document
from newsletter.issues.text import decode_text
from newsletter.topics.rules import keyword_rules


@click.group("issues")
def issues_cli() -> None:
    """Import and inspect newsletter issues."""


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
    name, data = read_source(file)
    from_stdin = name == STDIN_NAME
    decoding = ProblemLog()
    try:
        text = decode_text(data, decoding)
    except ReportError as exc:
        fail_with_problems(name, exc)
    fmt = IssueFormat(format_name or detect_format(text, None if from_stdin else name))
    warnings = list(decoding.warnings)
    try:
        doc = parse_any(text, name, fmt=fmt, warnings=warnings)
    except ReportError as exc:
        fail_with_problems(name, exc, earlier=warnings)
    report_problems(name, warnings, "warning")
    if tag or (tag is None and fmt is IssueFormat.REPORT):
        tag_document(doc, keyword_rules())
    click.echo(json.dumps(doc.to_json(), ensure_ascii=False, indent=2))


def fail_with_problems(
    name: str, error: ReportError, earlier: list[Problem] | None = None
) -> NoReturn:
    """Print what made the input unusable, after the warnings found on the way, and exit 1."""
    report_problems(name, [*(earlier or []), *error.warnings], "warning")
    report_problems(name, error.problems, "error")
    sys.exit(1)


STDIN_NAME = "<stdin>"


def read_source(file: Path) -> tuple[str, bytes]:
    """(name for messages, bytes) of FILE, or of stdin for ``-``."""
    if str(file) == "-":
        return STDIN_NAME, sys.stdin.buffer.read()
    return str(file), read_file_bytes(file)


def read_file_bytes(file: Path) -> bytes:
    """The file's bytes; exits 1 saying why when it cannot be read."""
    try:
        return file.read_bytes()
    except OSError as exc:
        click.echo(f"{file}: error: cannot read the file: {exc.strerror}", err=True)
        sys.exit(1)


def report_problems(name: str, problems: list[Problem], severity: str) -> None:
    """Print each problem on stderr as ``NAME:LINE: severity: message``."""
    for problem in problems:
        click.echo(problem.located(name, severity), err=True)
