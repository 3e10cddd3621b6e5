"""Importing a subscriber CSV: check every line first, then write in batches.

The whole file is read and checked before anything is written, so a file that cannot be read
(not UTF-8, no email column) changes nothing. Good lines are then written in batches, each
committed with the job's progress, so the operators' page and the CLI can show how far it got;
an import interrupted half-way is finished by running the same file again, since importing is
idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import audit
from newsletter.models import ImportJob, Topic, utcnow
from newsletter.subscriptions.transfer.csvfile import (
    CsvFileError,
    CsvRecord,
    count_lines,
    open_table,
)
from newsletter.subscriptions.transfer.plan import LineResult, Outcome, plan_batch
from newsletter.subscriptions.transfer.rows import (
    HeaderError,
    ImportRow,
    Rejection,
    RowChecker,
    read_header,
)
from newsletter.subscriptions.transfer.writer import NewReaderDefaults, write_batch

BATCH_SIZE = 5000
RACED = "the address signed up while the import ran; run the import again to update it"
Progress = Callable[[str, int, int], None]  # phase ("checking" or "importing"), done, total


class ImportFileError(ValueError):
    """The file cannot be imported at all; nothing was written."""


@dataclass(frozen=True)
class ImportOptions:
    """How to import: defaults for new readers, IP reduction, dry run."""

    defaults: NewReaderDefaults
    reduce_ip: Callable[[str], str | None]
    dry_run: bool = False
    batch_size: int = BATCH_SIZE


@dataclass
class ImportSummary:
    """Counts per outcome and the line-by-line report."""

    dry_run: bool
    lines: int = 0
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    report: list[LineResult] = field(default_factory=list)
    unknown_columns: tuple[str, ...] = ()

    def add(self, result: LineResult) -> None:
        """Count a line; keep it in the report if it is news (all but unchanged lines in
        a dry run, only rejections in a real import)."""
        self.counts[result.outcome] += 1
        if result.outcome is Outcome.REJECTED or (
            self.dry_run and result.outcome is not Outcome.UNCHANGED
        ):
            self.report.append(result)


def import_file(
    session: Session,
    stream: BinaryIO,
    options: ImportOptions,
    *,
    job: ImportJob | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import ``stream`` (or only report, in a dry run); commits after every batch.

    Raises :class:`ImportFileError` when the file as a whole is unusable.
    """
    summary = ImportSummary(dry_run=options.dry_run)
    rows = _checked_rows(session, stream, options, summary, progress)
    _set_job(session, job, status="importing", total_rows=summary.lines)
    session.commit()
    topic_ids: dict[str, int] = dict(session.execute(select(Topic.slug, Topic.id)).all())
    done = summary.counts[Outcome.REJECTED]
    for start in range(0, len(rows), options.batch_size):
        batch = rows[start : start + options.batch_size]
        _import_batch(session, batch, topic_ids, options, summary)
        done += len(batch)
        _set_job(session, job, **_job_counts(summary, done))
        session.commit()
        if progress is not None:
            progress("importing", done, summary.lines)
    summary.report.sort(key=lambda result: result.line)
    return summary


def _import_batch(
    session: Session,
    batch: list[ImportRow],
    topic_ids: dict[str, int],
    options: ImportOptions,
    summary: ImportSummary,
) -> None:
    now = utcnow()
    plan = plan_batch(session, batch, now)
    created: set[str] = set()
    if not options.dry_run:
        created = write_batch(session, plan, topic_ids, options.defaults, now)
    for result in plan.results:
        raced = result.outcome is Outcome.CREATED and not options.dry_run
        if raced and result.email not in created:
            summary.add(LineResult(result.line, result.email, Outcome.REJECTED, RACED))
        else:
            summary.add(result)


def _checked_rows(
    session: Session,
    stream: BinaryIO,
    options: ImportOptions,
    summary: ImportSummary,
    progress: Progress | None,
) -> list[ImportRow]:
    """Every good line of the file, duplicates and bad lines already reported."""
    estimate = max(count_lines(stream) - 1, 1)
    try:
        table = open_table(stream)
        columns = read_header(table.header)
        summary.unknown_columns = columns.unknown
        checker = RowChecker(columns, _topic_names(session), options.reduce_ip)
        rows = list(_unique_rows(table.records, checker, summary, estimate, progress))
    except (CsvFileError, HeaderError) as exc:
        raise ImportFileError(str(exc)) from None
    return rows


def _unique_rows(
    records: Iterator[CsvRecord],
    checker: RowChecker,
    summary: ImportSummary,
    estimate: int,
    progress: Progress | None,
) -> Iterator[ImportRow]:
    first_line: dict[str, int] = {}
    for record in records:
        summary.lines += 1
        checked = _check(checker, record)
        if isinstance(checked, Rejection):
            summary.add(LineResult(checked.line, checked.email, Outcome.REJECTED, checked.reason))
        elif checked.email in first_line:
            reason = f"duplicate of line {first_line[checked.email]} (the first line wins)"
            summary.add(LineResult(checked.line, checked.email, Outcome.REJECTED, reason))
        else:
            first_line[checked.email] = checked.line
            yield checked
        if progress is not None and summary.lines % 1000 == 0:
            progress("checking", summary.lines, max(estimate, summary.lines))


def _check(checker: RowChecker, record: CsvRecord) -> ImportRow | Rejection:
    if record.problem:
        return Rejection(record.line, "", record.problem)
    return checker.check(record.line, record.fields)


def _topic_names(session: Session) -> dict[str, str]:
    """Every spelling of a topic a file may use: slug, Chinese and English name."""
    names: dict[str, str] = {}
    for topic in session.scalars(select(Topic).where(Topic.active.is_(True))):
        for spelling in (topic.slug, topic.name_zh, topic.name_en):
            names[spelling.replace(" ", "")] = topic.slug
            names[spelling] = topic.slug
    return names


def _job_counts(summary: ImportSummary, done: int) -> dict[str, int]:
    return {
        "processed_rows": done,
        "created_rows": summary.counts[Outcome.CREATED],
        "updated_rows": summary.counts[Outcome.UPDATED],
        "rejected_rows": summary.counts[Outcome.REJECTED],
    }


def _set_job(session: Session, job: ImportJob | None, **values: object) -> None:
    if job is None:
        return
    for name, value in values.items():
        setattr(job, name, value)


def record_import(
    session: Session, summary: ImportSummary, filename: str, actor: audit.Actor
) -> None:
    """One audit entry per real import, with its counts."""
    if summary.dry_run:
        return
    audit.record(
        session,
        "subscribers.import",
        actor=actor,
        entity_type="import",
        entity_id=filename,
        detail={outcome.value: count for outcome, count in summary.counts.items()},
    )
