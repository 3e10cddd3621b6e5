"""``newsletter issues parse``: any format in, the issue as JSON out, problems on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from newsletter.issues.cli import issues_cli
from newsletter.issues.document import IssueDocument
from newsletter.issues.markdown_format import export_markdown


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(issues_cli, ["parse", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_the_sample_is_printed_as_tagged_json_with_exactly_the_contract_keys(
    sample_path: Path,
) -> None:
    code, out, err = run(str(sample_path))
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["title", "date", "window", "sections"]
    assert (data["title"], data["date"]) == ("AI前沿发展日报", "2026-04-07")
    for section in data["sections"]:
        assert list(section) == ["kind", "title", "paragraphs", "items"]
        for item in section["items"]:
            assert list(item) == ["title", "fields", "sources", "topics"]
            assert all(list(source) == ["publisher", "title", "url"] for source in item["sources"])
    assert data["sections"][2]["items"][0]["topics"] == ["capital"]
    assert "“先锁住资本与供给" in out  # not escaped to \\u201c
    assert err.splitlines()[0] == (
        f"{sample_path}:30: warning: this line continues the unfinished sentence of line 28; "
        "the two were joined"
    )


def test_an_unreadable_report_exits_1_with_file_and_line_on_each_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("今日总览\n\n一段话。\n\n今日 Top 1 大事件\n\n1.\n", encoding="utf-8")
    code, out, err = run(str(bad))
    assert code == 1
    assert out == ""
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert errors == [
        f"{bad}:1: error: the report must begin with its title line, like "
        "'AI前沿发展日报 | 2026-04-07 (Asia/Shanghai)'",
        f"{bad}:7: error: item 1 has no title",
    ]


def test_a_missing_file_exits_1(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "nope.txt"))
    assert code == 1
    assert err.startswith(f"{tmp_path / 'nope.txt'}: error: cannot read the file")


def test_markdown_is_read_by_extension_and_keeps_its_own_topics(
    tmp_path: Path, sample_doc: IssueDocument
) -> None:
    sample_doc.sections[2].items[0].topics = ["compute"]
    path = tmp_path / "issue.md"
    path.write_text(export_markdown(sample_doc), encoding="utf-8")
    code, out, _ = run(str(path))
    assert code == 0
    assert json.loads(out) == sample_doc.to_json()


def test_json_is_recognised_by_content_on_stdin_and_may_be_tagged(
    sample_doc: IssueDocument,
) -> None:
    code, out, _ = run("--tag", "-", stdin=json.dumps(sample_doc.to_json()))
    assert code == 0
    assert json.loads(out)["sections"][2]["items"][0]["topics"] == ["capital"]


def test_json_errors_name_the_path(tmp_path: Path) -> None:
    path = tmp_path / "issue.json"
    path.write_text('{"title": "x", "sections": [{"kind": "nope"}]}', encoding="utf-8")
    code, _, err = run(str(path))
    assert code == 1
    assert err.startswith(f"{path}: error: sections[0].kind: expected one of overview")


def test_the_format_can_be_forced_and_tagging_switched_off(sample_path: Path) -> None:
    code, out, _ = run("--format", "report", "--no-tag", str(sample_path))
    assert code == 0
    assert all(item["topics"] == [] for s in json.loads(out)["sections"] for item in s["items"])


def test_a_text_file_holding_markdown_is_recognised_by_its_front_matter(
    tmp_path: Path, sample_doc: IssueDocument
) -> None:
    path = tmp_path / "issue.txt"
    path.write_text(export_markdown(sample_doc), encoding="utf-8")
    code, out, _ = run("--no-tag", str(path))
    assert code == 0
    assert json.loads(out) == sample_doc.to_json()
