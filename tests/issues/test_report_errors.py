"""Reports that cannot be used are refused with every problem and its line."""

from __future__ import annotations

import pytest

from newsletter.issues.problems import ReportError
from newsletter.issues.report import parse_report

T = "AI前沿发展日报 | 2026-04-07 (Asia/Shanghai)"
EVENTS = f"{T}\n\n今日 Top 1 大事件\n\n1. 标题\n\n发生了什么：内容。\n\n"


def source_line(entries: str) -> str:
    """A one-item report whose item cites ``entries`` on line 9."""
    return f"{EVENTS}来源：{entries}\n"


MALFORMED = [
    pytest.param("", 1, "the report is empty", id="empty"),
    pytest.param(" \n\t\n\u3000\n", 1, "the report is empty", id="only-whitespace"),
    pytest.param(b"\x00\x01\x02PK", 1, "binary file", id="binary-bytes"),
    pytest.param(f"{T}\n\n今日总览\x00", 3, "binary file", id="nul-in-text"),
    pytest.param(b"AI\n\xff\x80\x80", 2, "not valid UTF-8", id="not-utf8"),
    pytest.param("今日总览\n\n一段话。\n", 1, "must begin with its title line", id="no-title"),
    pytest.param("这不是标题，而是一段正文。它很长。\n\n今日总览\n\n一段话。\n", 1,
                 "must begin with its title line", id="prose-first"),
    pytest.param("| 2026-04-07\n\n今日总览\n\n一段话。\n", 1, "no title before its date",
                 id="date-without-title"),
    pytest.param("AI前沿发展日报 | 2026-02-30\n\n今日总览\n\n一段话。\n", 1,
                 "'2026-02-30' is not a valid date", id="impossible-title-date"),
    pytest.param(f"{T}\n\n日期：2026-13-01\n\n今日总览\n\n一段话。\n", 3,
                 "'2026-13-01' is not a valid date", id="impossible-meta-date"),
    pytest.param(f"{T}\n\n日期：明天\n\n今日总览\n\n一段话。\n", 3,
                 "'明天' is not a date like 2026-04-07", id="meta-date-not-a-date"),
    pytest.param("AI前沿发展日报 | 2026-04-07 (Mars/Olympus)\n\n今日总览\n\n一段话。\n", 1,
                 "unknown time zone 'Mars/Olympus'", id="unknown-time-zone"),
    pytest.param(f"{T}\n\n今日 Top 1 大事件\n\n1.\n\n发生了什么：内容。\n", 5,
                 "item 1 has no title", id="item-without-title"),
    pytest.param(f"{T}\n\n今日 Top 1 大事件\n\n１、 \n\n发生了什么：内容。\n", 5,
                 "item 1 has no title", id="wide-item-without-title"),
    pytest.param(source_line("OpenAI：Title (<https://example.com/a"), 9,
                 "opens '(<' for a URL but never closes it", id="unclosed-url"),
    pytest.param(source_line("Evil：Click (javascript:alert(1))"), 9,
                 "'javascript:alert(1)' is not an http(s) URL", id="javascript-url"),
    pytest.param(source_line("FTP：File (<ftp://example.com/file>)"), 9,
                 "is not an http(s) URL", id="ftp-url"),
    pytest.param(source_line("Empty：Nothing (<>)"), 9, "a source has an empty URL",
                 id="empty-url"),
    pytest.param(source_line("Spaces：Title (<https://example.com/a b>)"), 9,
                 "is not an http(s) URL", id="url-with-spaces"),
    pytest.param(source_line("Host：Title (https://)"), 9, "is not an http(s) URL",
                 id="url-without-host"),
    pytest.param(f"{T}\n\n日期：2026-04-07\n", 3, "the report has no sections",
                 id="no-sections"),
    pytest.param(f"{T}\n\n今日总览\n\n一段话\x07。\n", 5, "control characters (U+0007)",
                 id="control-character"),
    pytest.param(f"{T}\n\n今日总览\n\n乱码\ufffd\ufffd。\n", 5, "U+FFFD replacement characters",
                 id="mojibake"),
]  # fmt: skip


@pytest.mark.parametrize(("report", "line", "message"), MALFORMED)
def test_a_malformed_report_is_refused_with_the_line_and_reason(
    report: str | bytes, line: int, message: str
) -> None:
    with pytest.raises(ReportError) as caught:
        parse_report(report)
    problems = [(problem.line, problem.message) for problem in caught.value.problems]
    assert any(at == line and message in text for at, text in problems), problems


def test_every_problem_is_reported_not_only_the_first() -> None:
    report = (
        "今日总览\n\n一段话。\n\n今日 Top 2 大事件\n\n1.\n\n发生了什么：内容。\n\n"
        "来源：A (<ftp://example.com>)\n\n2. 标题\n\n来源：B (<https://example.com/b\n"
    )
    with pytest.raises(ReportError) as caught:
        parse_report(report)
    assert [problem.line for problem in caught.value.problems] == [1, 7, 11, 15]


def test_the_error_message_lists_each_problem_on_its_own_line() -> None:
    with pytest.raises(ReportError, match=r"^line 1: the report is empty$"):
        parse_report("")


def test_warnings_found_before_the_errors_are_kept_on_the_error() -> None:
    report = f"{T}\n\n今日总览\n\n一段话。\n\n今日 Top 1 大事件\n\n1.\n\n来源：无链接\n"
    with pytest.raises(ReportError) as caught:
        parse_report(report)
    assert [w.message for w in caught.value.warnings] == [
        "the source '无链接' has no URL; it is kept as text"
    ]


def test_a_binary_file_gives_one_error_not_one_per_line() -> None:
    with pytest.raises(ReportError) as caught:
        parse_report(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 100)
    assert len(caught.value.problems) == 1
