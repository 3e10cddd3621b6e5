"""The Markdown authoring format: written, read back, and refused when wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind, SourceLink
from newsletter.issues.markdown_format import export_markdown, parse_markdown
from newsletter.issues.problems import Problem, ReportError
from newsletter.issues.report import parse_report
from newsletter.issues.tagging import seed_rules, tag_document

FRONT = "---\ntitle: AI前沿发展日报\ndate: 2026-04-07\n---\n"


def test_the_sample_survives_export_and_parse_with_topics(sample_doc: IssueDocument) -> None:
    tag_document(sample_doc, seed_rules())
    sample_doc.subject = "AI前沿发展日报：资本与算力"
    sample_doc.preheader = "OpenAI 融资、Anthropic 算力协议与欧盟 GPAI Code"
    assert parse_markdown(export_markdown(sample_doc)) == sample_doc


def test_the_demo_survives_export_and_parse(demo_text: str) -> None:
    doc = parse_report(demo_text)
    tag_document(doc, seed_rules())
    assert parse_markdown(export_markdown(doc)) == doc


def test_the_export_reads_like_the_documented_format(sample_doc: IssueDocument) -> None:
    sample_doc.sections[2].items[0].topics = ["capital"]
    text = export_markdown(sample_doc)
    assert text.startswith(
        "---\ntitle: AI前沿发展日报\ndate: 2026-04-07\ntimezone: Asia/Shanghai\n"
        "window: 重点核查 2026-04-01 至 2026-04-07 期间新增、更新或仍具战略影响的公开高信号信息\n"
        "subject: ''\npreheader: ''\n---\n\n## 今日总览 {#overview}\n\n4月第一周"
    )
    assert "\n## 今日三条结论 {#conclusions}\n\n- 2026 年的头部 AI 竞争" in text
    assert (
        "\n### OpenAI 完成 1220 亿美元新融资，资本门槛被再次抬高 {topics=capital}\n\n"
        "**发生了什么**: OpenAI 于 2026-03-31" in text
    )
    assert (
        "\n- OpenAI: [OpenAI raises $122 billion to accelerate the next phase of AI]"
        "(<https://openai.com/index/accelerating-the-next-phase-ai/>)\n- Axios: [" in text
    )


def test_lines_are_recorded_on_sections_and_items() -> None:
    doc = parse_markdown(f"{FRONT}\n## 大事件 {{#events}}\n\n### 标题\n\n**要点**: 一。\n")
    assert (doc.sections[0].line, doc.sections[0].items[0].line) == (6, 8)


def test_text_that_looks_like_markup_is_escaped_and_read_back() -> None:
    item = Item(
        "# 不是标题 {topics=x} \\",
        fields={
            "**粗体**": "- 不是列表\n\n1. 不是编号\n\n**假**: 字段\n\n[链接](<x>) \\\\ 反斜杠",
            "第二": "一行\n二行 {#events}\n- 三行",
        },
        sources=[SourceLink("A: B [x]", "标题 [1] <y>", "https://example.com/a_(b)>c")],
        topics=["capital", "industrial-ai"],
    )
    doc = IssueDocument(
        title="yes",
        date=dt.date(2026, 1, 2),
        window="null",
        sections=[
            Section(SectionKind.OVERVIEW, "### {#x}", ["> 引用", "---", "  ", "\\"]),
            Section(SectionKind.CONCLUSIONS, "", ["- 双重", "* 星号"]),
            Section(SectionKind.OTHER, "其他", ["前言"], [item]),
        ],
        subject="1.0",
        preheader="'quoted'",
    )
    doc.sections[0].paragraphs[2] = "空白之外"
    assert parse_markdown(export_markdown(doc)) == doc


def test_a_hand_written_file_may_leave_out_markers_and_wrap_lines() -> None:
    warnings: list[Problem] = []
    doc = parse_markdown(
        f"{FRONT}\n## 今日总览\n\n第一行写到 OpenAI\n和第二行。\n\n## 前沿研究速递\n\n"
        "### 一篇论文\n\n开头的话。\n\n**做了什么**：提出\n新方法。\n\n"
        "* arXiv：[Paper](https://arxiv.org/abs/1)\n- [无出版方](<>)\n",
        warnings=warnings,
    )
    assert [s.kind for s in doc.sections] == [SectionKind.OVERVIEW, SectionKind.RESEARCH]
    assert doc.sections[0].paragraphs == ["第一行写到 OpenAI 和第二行。"]
    item = doc.sections[1].items[0]
    assert item.fields == {"说明": "开头的话。", "做了什么": "提出新方法。"}
    assert item.sources == [
        SourceLink("arXiv", "Paper", "https://arxiv.org/abs/1"),
        SourceLink("", "无出版方", ""),
    ]
    assert [(w.line, w.message) for w in warnings] == [(21, "a source has no URL")]


BAD = [
    pytest.param("## 今日总览\n", 1, "must start with front matter", id="no-front-matter"),
    pytest.param("---\ntitle: x\n", 1, "never closed", id="unclosed-front-matter"),
    pytest.param("---\ntitle: [x\n---\n", 2, "not valid YAML", id="bad-yaml"),
    pytest.param("---\n- a\n---\n", 2, "must be 'key: value' lines", id="yaml-list"),
    pytest.param("---\ndate: 2026-04-07\n---\n## a {#overview}\n\nx\n", 1,
                 "title: the front matter needs", id="no-title"),
    pytest.param("---\ntitle: x\ndate: 2026-02-30\n---\n", 3, "date: not a valid date",
                 id="impossible-date"),
    pytest.param("---\ntitle: x\ndate: tomorrow\n---\n## a {#overview}\n\nx\n", 3,
                 "date: 'tomorrow' is not a date", id="bad-date"),
    pytest.param("---\ntitle: x\ntimezone: Mars/Base\n---\n## a {#overview}\n\nx\n", 3,
                 "timezone: 'Mars/Base' is not a time zone", id="bad-zone"),
    pytest.param("---\ntitle: x\nsubject: [1]\n---\n## a {#overview}\n\nx\n", 3,
                 "subject: expected text", id="subject-not-text"),
    pytest.param(f"{FRONT}\n## 总览 {{#summary}}\n\nx\n", 6, "unknown section kind marker",
                 id="unknown-kind"),
    pytest.param(f"{FRONT}\n## 大事件 {{#events}}\n\n### 甲 {{topic=a}}\n", 8,
                 "unknown item marker", id="unknown-item-marker"),
    pytest.param(f"{FRONT}\n## 大事件 {{#events}}\n\n### 甲 {{topics=Capital}}\n", 8,
                 "'Capital' is not a topic slug", id="bad-slug"),
    pytest.param(f"{FRONT}\n## 大事件 {{#events}}\n\n### 甲 {{topics=a,a}}\n", 8,
                 "a topic is listed twice", id="repeated-topic"),
    pytest.param(f"{FRONT}\n## 大事件 {{#events}}\n\n### {{topics=a}}\n", 8,
                 "has no title", id="item-without-title"),
    pytest.param(f"{FRONT}\n前言。\n\n## 大事件 {{#events}}\n", 6, "text before the first",
                 id="text-before-sections"),
    pytest.param(f"{FRONT}\n### 甲\n", 6, "comes before any section", id="item-first"),
    pytest.param(f"{FRONT}\n# 标题\n", 6, "a level-1 heading", id="level-one-heading"),
    pytest.param(f"{FRONT}\n## 甲 {{#events}}\n\n### 乙\n\n- A: [t](<javascript:x>)\n", 10,
                 "is not an http(s) URL", id="bad-source-url"),
    pytest.param(f"{FRONT}\n## 甲 {{#events}}\n\n- A: [t](<https://e.com>)\n", 8,
                 "belongs under an item", id="source-outside-item"),
    pytest.param(f"{FRONT}\n## 甲 {{#events}}\n\n### 乙\n\n**a**: 1\n\n**a**: 2\n", 12,
                 "appears twice", id="repeated-label"),
    pytest.param(FRONT, 5, "no '## ' section heading", id="no-sections"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_bad_markdown_is_refused_with_the_line_and_reason(
    text: str, line: int, message: str
) -> None:
    with pytest.raises(ReportError) as caught:
        parse_markdown(text)
    problems = [(problem.line, problem.message) for problem in caught.value.problems]
    assert any(at == line and message in text for at, text in problems), problems


def test_unknown_front_matter_keys_are_warned_about() -> None:
    warnings: list[Problem] = []
    parse_markdown("---\ntitle: x\nauthor: 张三\n---\n\n## a {#overview}\n\nx\n", warnings=warnings)
    assert [(w.line, w.message) for w in warnings] == [
        (3, "unknown front matter key 'author' is ignored")
    ]
