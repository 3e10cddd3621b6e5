"""Properties that hold for any input: the importers fail only with ReportError, and the
Markdown and JSON formats give back exactly the document they were given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind, SourceLink
from newsletter.issues.formats import parse_any
from newsletter.issues.json_format import document_from_json
from newsletter.issues.markdown_format import export_markdown, parse_markdown
from newsletter.issues.problems import Problem, ReportError
from newsletter.issues.report import parse_report

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

REPORT_LINES = [
    "AI前沿发展日报 | 2026-04-07 (Asia/Shanghai)", "AI前沿发展日报 | 2026-02-30", "",
    "日期：2026-04-07 (Asia/Shanghai) 覆盖窗口：重点核查", "期间新增", "今日总览", "## 今日总览",
    "今日三条结论", "今日 Top 5 大事件", "TOP 7 大事件", "商业与应用解读", "X 平台高信号观点",
    "前沿研究速递", "政策观察", "【其他】", "1. 标题", "1.", "１、标题", "(2) 标题", "- 结论。",
    "•", "* ", "发生了什么：内容。", "对产业 / 企业的启发 : 启发", "关键信息：没有句号 OpenAI",
    "还表示，收入增长。", "官方称：引语。", "来源：A：T (<https://example.com/a_(b)>)",
    "可信来源：A (<https://e.com", "来源：(<>) | | ｜ B https://x.com/1", "来源：X (javascript:x)",
    "Sources: [t](u)", "来源：", "- A：T (<https://example.com/>)", "---", "\\$122 \\", "\t\u3000 ",
    "@someone : 观点", "\ufeff", "\x07", "\ufffd",
]  # fmt: skip

report_like = st.lists(
    st.one_of(st.sampled_from(REPORT_LINES), st.text(max_size=20)), max_size=40
).flatmap(lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda end: end.join(lines)))


def problems_of(parse: Callable[[], object]) -> list[Problem] | None:
    """The problems a failed parse reported, or ``None``; any other exception escapes."""
    try:
        parse()
    except ReportError as exc:
        return exc.problems
    return None


@FUZZ
@given(st.text())
def test_the_report_parser_fails_only_with_report_error_on_any_text(text: str) -> None:
    problems = problems_of(lambda: parse_report(text))
    assert problems is None or all(p.line is not None and p.line >= 1 for p in problems)


@FUZZ
@given(report_like)
def test_the_report_parser_fails_only_with_report_error_on_report_like_text(text: str) -> None:
    problems = problems_of(lambda: parse_report(text))
    assert problems is None or len(problems) >= 1


@FUZZ
@given(st.binary())
def test_every_format_fails_only_with_report_error_on_any_bytes(data: bytes) -> None:
    for name in ("issue.txt", "issue.md", "issue.json"):
        problems = problems_of(lambda name=name: parse_any(data, name))
        assert problems is None or len(problems) >= 1


@FUZZ
@given(st.text().map(lambda text: "---\ntitle: x\n---\n" + text))
def test_the_markdown_parser_fails_only_with_report_error(text: str) -> None:
    problems = problems_of(lambda: parse_markdown(text))
    assert problems is None or len(problems) >= 1


# Text in the form the importers produce: no control characters, no surrounding spaces.
_char = st.one_of(
    st.sampled_from(list("#-*+>[]{}()<>\\:：|`_!1. 　中文AIab@%$")),
    st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]),
)
#: Pieces of the Markdown format itself, so that text mistaken for markup is tried often.
_markup = st.sampled_from(
    ["- ", "* ", "+ ", "# ", "## ", "### ", "#", "1. ", "2) ", "**a**: ", "**b**：", "> ",
     "[a](<https://e.com>)", "A: [t](<https://e.com>)", "\\", "{#events}", " {topics=a}",
     "---", "{", "}", "<", ">", "`", "\\\\"]
)  # fmt: skip
_plain = st.text(_char, min_size=1, max_size=30)
line = (
    st.one_of(_plain, st.tuples(_markup, _plain, _markup).map("".join)).map(str.strip).filter(bool)
)
optional_line = st.one_of(st.just(""), line)
paragraph = st.lists(line, min_size=1, max_size=2).map("\n".join)
field_text = st.one_of(st.just(""), st.lists(paragraph, min_size=1, max_size=3).map("\n\n".join))
url = st.one_of(
    st.just(""),
    st.text(st.sampled_from(list("abc09-._~%()<>[]\\!$&'*+,;=:@/?#")), max_size=20).map(
        lambda path: f"https://example.com/{path}"
    ),
)
source = st.builds(SourceLink, optional_line, optional_line, url)
slugs = st.lists(st.sampled_from(["capital", "compute", "industrial-ai", "r2"]), unique=True)
item = st.builds(
    Item,
    title=line,
    fields=st.dictionaries(line, field_text, max_size=4),
    sources=st.lists(source, max_size=3),
    topics=slugs,
)
section = st.builds(
    Section,
    kind=st.sampled_from(SectionKind),
    title=optional_line,
    paragraphs=st.lists(paragraph, max_size=3),
    items=st.lists(item, max_size=3),
)
document = st.builds(
    IssueDocument,
    title=line,
    date=st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))),
    window=optional_line,
    timezone=st.sampled_from(["Asia/Shanghai", "UTC", "America/Argentina/Buenos_Aires"]),
    sections=st.lists(section, min_size=1, max_size=4),
    subject=optional_line,
    preheader=optional_line,
)


@settings(max_examples=300, deadline=None)
@given(document)
def test_markdown_export_then_parse_gives_the_same_document(doc: IssueDocument) -> None:
    assert parse_markdown(export_markdown(doc)) == doc


@settings(max_examples=300, deadline=None)
@given(document)
def test_json_to_json_then_read_gives_the_same_document(doc: IssueDocument) -> None:
    doc.timezone, doc.subject, doc.preheader = "Asia/Shanghai", "", ""
    assert document_from_json(doc.to_json()) == doc
