"""``newsletter subscribers import|export`` from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.commands import build_cli
from newsletter.models import ImportJob, Subscriber
from tests.factories import make_subscriber

SAMPLES = Path(__file__).resolve().parents[2] / "subscribers" / "samples"


def invoke(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(build_cli(), list(args))


def readers(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Subscriber)) or 0)


def test_a_dry_run_prints_every_line_and_writes_nothing(app: Flask, session: Session) -> None:
    result = invoke(
        app, "subscribers", "import", "--dry-run", str(SAMPLES / "readers-with-problems.csv")
    )
    assert result.exit_code == 0, result.output
    assert "line 2: good.one@example.org created" in result.output
    assert "line 8: good.one@example.org rejected: duplicate of line 2" in result.output
    assert "7 lines: 1 would be created, 0 updated" in result.output
    assert "dry run: nothing was written" in result.output
    assert readers(session) == 0


def test_an_import_shows_progress_and_totals_and_is_a_job(app: Flask, session: Session) -> None:
    result = invoke(app, "subscribers", "import", str(SAMPLES / "readers.csv"))
    assert result.exit_code == 0, result.output
    assert "8 lines: 8 were created" in result.output
    assert "importing lines" in result.stderr
    again = invoke(app, "subscribers", "import", "--quiet", str(SAMPLES / "readers.csv"))
    assert "0 were created, 0 updated, 8 already as the file says" in again.output
    assert readers(session) == 8
    assert [job.status for job in session.scalars(select(ImportJob))] == ["done", "done"]


def test_an_unusable_file_fails_with_its_reason(app: Flask, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"email\n" + "张三@例子.中国\n".encode("gb18030"))
    result = invoke(app, "subscribers", "import", str(bad))
    assert result.exit_code == 1
    assert "line 2: the file is not UTF-8" in result.stderr


def test_export_writes_a_file_or_standard_output(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    make_subscriber(session, "li@example.org", ["capital"], name="李伟")
    session.commit()
    target = tmp_path / "out.csv"
    result = invoke(app, "subscribers", "export", str(target))
    assert result.exit_code == 0, result.output
    assert "exported 1 readers" in result.output
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "li@example.org,李伟,capital" in target.read_text(encoding="utf-8-sig")
    printed = invoke(app, "subscribers", "export", "-", "--status", "pending")
    assert printed.stdout.strip().splitlines()[1:] == []
