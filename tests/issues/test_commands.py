"""``newsletter issues import|list|export|render``: the issue commands that use the database."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter.commands import build_cli
from newsletter.issues.document import SectionKind
from newsletter.issues.markdown_format import export_markdown
from newsletter.issues.storage import create_issue, load_document
from newsletter.models import AuditEntry, Campaign, CampaignStatus, Issue, Topic
from tests.issues.helpers import DEMO_REPORT, demo_document, oversized_capital_document


def invoke(app: Flask, *args: str, stdin: str | None = None) -> Any:
    return app.test_cli_runner().invoke(build_cli(), ["issues", *args], input=stdin)


def count_issues(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Issue)) or 0


def test_import_stores_the_sample_with_every_section_and_suggested_topics(
    app: Flask, session: Session, sample_path: Path
) -> None:
    result = invoke(app, "import", str(sample_path))

    assert result.exit_code == 0, result.output
    assert "imported issue 1 (2026-04-07): 6 sections, 11 items, from report" in result.stdout
    assert f"{sample_path}:30: warning:" in result.stderr
    issue = session.scalars(select(Issue)).one()
    doc = load_document(issue)
    assert [s.kind for s in doc.sections] == [
        SectionKind.OVERVIEW,
        SectionKind.CONCLUSIONS,
        SectionKind.EVENTS,
        SectionKind.ANALYSIS,
        SectionKind.SOCIAL,
        SectionKind.RESEARCH,
    ]
    first = doc.sections[2].items[0]
    assert first.topics == ["capital"]
    assert first.topic_matches["capital"][:2] == ["融资", "估值"]
    assert issue.source_format == "text"
    action = session.scalar(select(AuditEntry.action).where(AuditEntry.entity_id == str(issue.id)))
    assert action == "issue.import"


def test_a_bad_report_exits_1_with_line_numbers_and_stores_nothing(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("今日总览\n\n一段话。\n\n今日 Top 1 大事件\n\n1.\n", encoding="utf-8")

    result = invoke(app, "import", str(bad))

    assert result.exit_code == 1
    assert f"{bad}:1: error: the report must begin with its title line" in result.stderr
    assert f"{bad}:7: error: item 1 has no title" in result.stderr
    assert count_issues(session) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_markdown_naming_an_unknown_topic_is_refused_whole(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    doc = demo_document()
    doc.sections[2].items[0].topics = ["capital", "astrology"]
    source = tmp_path / "issue.md"
    source.write_text(export_markdown(doc), encoding="utf-8")

    result = invoke(app, "import", str(source))

    assert result.exit_code == 1
    assert "error: unknown topic(s): astrology" in result.stderr
    assert count_issues(session) == 0


def test_import_reads_stdin_and_uses_the_admins_keyword_rules(app: Flask, session: Session) -> None:
    research = session.scalar(select(Topic).where(Topic.slug == "capital"))
    assert research is not None
    research.active = False
    session.commit()

    result = invoke(app, "import", "-", stdin=DEMO_REPORT.read_text(encoding="utf-8"))

    assert result.exit_code == 0, result.output
    doc = load_document(session.scalars(select(Issue)).one())
    assert all("capital" not in item.topics for item in doc.items())
    assert any("compute" in item.topics for item in doc.items())


def test_list_shows_each_issue_with_its_state(app: Flask, session: Session) -> None:
    assert "no issues yet" in invoke(app, "list").stdout
    create_issue(session, demo_document())
    session.commit()

    lines = invoke(app, "list").stdout.splitlines()

    assert lines[0].split() == ["id", "slug", "date", "state", "scheduled", "(UTC)", "title"]
    assert lines[1].split()[:4] == ["1", "2026-05-11", "2026-05-11", "draft"]


def test_export_then_import_gives_the_same_issue(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    original = create_issue(session, demo_document())
    original.subject = "今天的要闻"
    session.commit()
    for fmt, suffix in (("markdown", "md"), ("json", "json")):
        out = tmp_path / f"issue.{suffix}"
        exported = invoke(app, "export", str(original.id), "--format", fmt, "-o", str(out))
        assert exported.exit_code == 0, exported.output

        imported = invoke(app, "import", str(out))

        assert imported.exit_code == 0, imported.output
        newest = session.scalars(select(Issue).order_by(Issue.id.desc())).first()
        assert newest is not None
        assert newest.id != original.id
        assert load_document(newest) == load_document(original)
        assert newest.subject == "今天的要闻"


def test_export_of_an_unknown_issue_says_so(app: Flask) -> None:
    result = invoke(app, "export", "999")
    assert result.exit_code == 2
    assert "no issue with id or slug '999'" in result.output


def _message(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_render_by_issue_id_writes_the_mix_of_one_reader(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    issue = create_issue(session, demo_document())
    session.commit()
    out = tmp_path / "message.eml"

    result = invoke(
        app,
        "render",
        str(issue.id),
        "--topics",
        "compute",
        "--to",
        "li@example.org",
        "-o",
        str(out),
    )

    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    message = _message(out)
    assert message["To"] == "li@example.org"
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    compute_titles = [i.title for i in load_document(issue).items() if i.topics == ["compute"]]
    capital_titles = [i.title for i in load_document(issue).items() if i.topics == ["capital"]]
    assert compute_titles
    assert all(title in text for title in compute_titles)
    assert capital_titles
    assert not any(title in text for title in capital_titles)


def test_render_by_slug_and_from_a_file(app: Flask, session: Session, tmp_path: Path) -> None:
    create_issue(session, demo_document())
    session.commit()
    by_slug = invoke(app, "render", "2026-05-11", "-o", str(tmp_path / "a.eml"))
    from_file = invoke(app, "render", str(DEMO_REPORT), "-o", str(tmp_path / "b.eml"))
    assert (by_slug.exit_code, from_file.exit_code) == (0, 0), by_slug.output + from_file.output
    assert _message(tmp_path / "a.eml")["Subject"] == _message(tmp_path / "b.eml")["Subject"]


def test_render_of_something_unknown_exits_2(app: Flask) -> None:
    result = invoke(app, "render", "no-such-issue")
    assert result.exit_code == 2
    assert "neither a readable file nor an issue id or slug" in result.output


def test_render_warns_about_every_mix_that_gmail_clips(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    issue = create_issue(session, oversized_capital_document())
    session.commit()

    result = invoke(app, "render", str(issue.id), "--topics", "research", "-o", str(tmp_path / "m"))

    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    clipped = [line for line in warnings if "over Gmail's clip limit" in line]
    # Every mix holding capital (16 of the 31, plus "all topics") clips; the others do not.
    assert len(clipped) == 17
    assert all("capital" in line or "topic mix * " in line for line in clipped)
    assert "topic mix research " not in result.stderr


def test_import_with_schedule_stores_and_schedules_in_one_go(app: Flask, session: Session) -> None:
    result = invoke(app, "import", str(DEMO_REPORT), "--schedule", "2099-04-08 08:00")

    assert result.exit_code == 0, result.output
    assert "scheduled for 2099-04-08 08:00 Asia/Shanghai" in result.stdout
    campaign = session.scalars(select(Campaign)).one()
    assert campaign.status is CampaignStatus.SCHEDULED
    assert campaign.scheduled_at == dt.datetime(2099, 4, 8, 0, 0, tzinfo=dt.UTC)


def test_import_with_a_bad_schedule_stores_nothing(app: Flask, session: Session) -> None:
    for args in (
        ["--schedule", "tomorrow morning"],
        ["--schedule", "2020-04-08 08:00"],
        ["--schedule", "2099-04-08 08:00", "--timezone", "Mars/Olympus"],
    ):
        result = invoke(app, "import", str(DEMO_REPORT), *args)
        assert result.exit_code == 2, args
        assert "--schedule" in result.output
    assert count_issues(session) == 0
    assert session.scalar(select(func.count()).select_from(Campaign)) == 0
