"""Reports written differently from the sample are read the same way."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest

from newsletter.issues.document import IssueDocument, SectionKind, SourceLink
from newsletter.issues.problems import Problem
from newsletter.issues.report import parse_report

Parse = Callable[[str], tuple[IssueDocument, list[Problem]]]


def messages(warnings: list[Problem]) -> list[str]:
    return [warning.message for warning in warnings]


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda text: text.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda text: text.replace("\n", "\r"), id="cr"),
        pytest.param(lambda text: "\ufeff" + text, id="bom"),
        pytest.param(lambda text: text.replace("\n", "  \t\n"), id="trailing-spaces-and-tabs"),
        pytest.param(lambda text: text.replace("\n\n", "\n\u3000\n"), id="wide-space-lines"),
        pytest.param(
            lambda text: re.sub(r"^(?!\d)([^：\n]{1,12})：", r"\1 : ", text, flags=re.MULTILINE),
            id="ascii-colons-after-labels",
        ),
    ],
)
def test_line_endings_bom_and_spacing_do_not_change_the_document(
    sample_text: str, sample_doc: IssueDocument, transform: Callable[[str], str]
) -> None:
    doc = parse_report(transform(sample_text))
    assert doc == sample_doc
    assert [section.line for section in doc.sections] == [8, 16, 22, 88, 96, 128]


def test_utf16_and_gb18030_files_are_decoded(sample_text: str, sample_doc: IssueDocument) -> None:
    assert parse_report(sample_text.encode("utf-16")) == sample_doc
    warnings: list[Problem] = []
    assert parse_report(sample_text.encode("gb18030"), warnings=warnings) == sample_doc
    assert "read as GB18030" in warnings[0].message


def test_ascii_colons_with_spaces_and_a_spaced_slash_make_the_same_fields(parse: Parse) -> None:
    doc, _ = parse(
        "Top 1 大事件\n\n1. 标题\n\n发生了什么 : 甲。\n\n对产业 / 企业的启发: 乙。\n\n"
        "来源 : Google Cloud : Ironwood TPUs (https://example.com/a)\n"
    )
    item = doc.sections[0].items[0]
    assert item.fields == {"发生了什么": "甲。", "对产业/企业的启发": "乙。"}
    assert item.sources == [SourceLink("Google Cloud", "Ironwood TPUs", "https://example.com/a")]


@pytest.mark.parametrize(
    "heading", ["今日 Top 7 大事件", "TOP 7 大事件", "top7大事件", "今日 Ｔop ７ 大事件", "大事件"]
)
def test_an_events_heading_may_announce_any_number(parse: Parse, heading: str) -> None:
    items = "".join(f"{n}. 事件{n}\n\n发生了什么：内容{n}。\n\n" for n in range(1, 8))
    doc, warnings = parse(f"{heading}\n\n{items}")
    assert doc.sections[0].kind is SectionKind.EVENTS
    assert [item.title for item in doc.sections[0].items] == [f"事件{n}" for n in range(1, 8)]
    assert warnings == []


@pytest.mark.parametrize("heading", ["今日五条结论", "今日结论", "5条结论", "核心结论"])
def test_a_conclusions_heading_may_have_any_number_of_bullets(parse: Parse, heading: str) -> None:
    bullets = "\n".join(f"{marker} 结论{n}。" for n, marker in enumerate("-•*·-", 1))
    doc, warnings = parse(f"{heading}\n\n{bullets}\n")
    assert doc.sections[0].kind is SectionKind.CONCLUSIONS
    assert doc.sections[0].paragraphs == [f"结论{n}。" for n in range(1, 6)]
    assert warnings == []


def test_a_heading_that_miscounts_its_entries_is_warned_about(parse: Parse) -> None:
    _, warnings = parse("今日三条结论\n\n- 一。\n- 二。\n")
    assert messages(warnings) == [
        "the heading '今日三条结论' announces 3 entries but the section has 2"
    ]


@pytest.mark.parametrize(
    "heading", ["## 今日总览", "【今日总览】", "一、今日总览", "今日总览：", "**今日总览**", "概览"]
)
def test_decorated_known_headings_are_recognised(parse: Parse, heading: str) -> None:
    doc, _ = parse(f"{heading}\n\n一段话。\n")
    assert doc.sections[0].kind is SectionKind.OVERVIEW
    assert doc.sections[0].title in heading


def test_an_unknown_heading_starts_an_other_section_with_its_title(parse: Parse) -> None:
    doc, warnings = parse(
        "今日总览\n\n总览的话。\n\n政策观察\n\n观察的话。\n\n1. 一个条目\n\n要点：内容。\n"
    )
    assert [(s.kind, s.title, s.line) for s in doc.sections] == [
        (SectionKind.OVERVIEW, "今日总览", 3),
        (SectionKind.OTHER, "政策观察", 7),
    ]
    assert doc.sections[1].paragraphs == ["观察的话。"]
    assert doc.sections[1].items[0].fields == {"要点": "内容。"}
    assert messages(warnings) == ["unknown heading '政策观察' starts a section of kind 'other'"]


def test_a_heading_after_a_paragraph_without_a_full_stop_is_still_a_heading(parse: Parse) -> None:
    doc, _ = parse("今日总览\n\n总览没有句号\n\n政策观察\n\n观察的话。\n")
    assert [s.title for s in doc.sections] == ["今日总览", "政策观察"]
    assert doc.sections[0].paragraphs == ["总览没有句号"]


def test_a_short_line_before_a_field_is_item_text_not_a_heading(parse: Parse) -> None:
    doc, _ = parse("Top 1 大事件\n\n1. 标题\n\n副标题\n\n发生了什么：内容。\n")
    assert doc.sections[0].items[0].fields == {"说明": "副标题", "发生了什么": "内容。"}


def test_missing_sections_are_fine(parse: Parse) -> None:
    doc, warnings = parse("前沿研究速递\n\n1. 一篇论文\n\n做了什么：内容。\n")
    assert [s.kind for s in doc.sections] == [SectionKind.RESEARCH]
    assert warnings == []


@pytest.mark.parametrize(
    "number", ["1、", "１．", "1)", "1）", "(1)", "（1）", "1 .", "1.", "一、", "**1.** "]
)
def test_items_may_be_numbered_in_any_common_way(parse: Parse, number: str) -> None:
    doc, _ = parse(f"大事件\n\n{number}标题\n\n发生了什么：内容。\n")
    assert [item.title for item in doc.sections[0].items] == ["标题"]


def test_numbers_that_begin_a_sentence_are_not_item_numbers(parse: Parse) -> None:
    doc, _ = parse(
        "今日总览\n\n2026 年开局。\n\n1.5 倍的增长。\n\n5、6 月份的数据。\n\n一、二线城市。\n"
    )
    assert doc.sections[0].paragraphs == [
        "2026 年开局。", "1.5 倍的增长。", "5、6 月份的数据。", "一、二线城市。"
    ]  # fmt: skip


def test_bold_labels_and_titles_lose_their_markup(parse: Parse) -> None:
    doc, _ = parse("大事件\n\n1. **标题**\n\n**发生了什么**：甲。\n\n**关键信息：** 乙。\n")
    item = doc.sections[0].items[0]
    assert (item.title, item.fields) == ("标题", {"发生了什么": "甲。", "关键信息": "乙。"})


def test_numbered_lines_in_a_general_section_are_list_entries(parse: Parse) -> None:
    doc, _ = parse("今日三条结论\n\n1. 一。\n2. 二。\n3. 三。\n")
    assert doc.sections[0].paragraphs == ["一。", "二。", "三。"]
    assert doc.sections[0].items == []


def test_a_source_line_with_several_entries_and_bare_urls(parse: Parse) -> None:
    doc, warnings = parse(
        "大事件\n\n1. 标题\n\n发生了什么：内容。\n\n"
        "来源：Daniel Newman on X (<https://x.com/d/status/1>) | Wiki：Foo (bar) "
        "(https://en.example.org/wiki/Foo_(bar)) ｜ 报告 https://example.com/r?a=1&b=%20 | "
        "[Link title](https://example.com/l) | Reuters 报道\n"
    )
    assert doc.sections[0].items[0].sources == [
        SourceLink("x.com", "Daniel Newman on X", "https://x.com/d/status/1"),
        SourceLink("Wiki", "Foo (bar)", "https://en.example.org/wiki/Foo_(bar)"),
        SourceLink("example.com", "报告", "https://example.com/r?a=1&b=%20"),
        SourceLink("example.com", "Link title", "https://example.com/l"),
        SourceLink("", "Reuters 报道", ""),
    ]
    assert messages(warnings) == ["the source 'Reuters 报道' has no URL; it is kept as text"]


def test_sources_may_continue_as_a_list_under_the_label(parse: Parse) -> None:
    doc, _ = parse(
        "大事件\n\n1. 标题\n\n发生了什么：内容。\n\n来源：\n- A：甲 (<https://example.com/1>)\n"
        "- B：乙 (<https://example.com/2>)\n\n一句话判断：判断。\n"
    )
    item = doc.sections[0].items[0]
    assert [source.publisher for source in item.sources] == ["A", "B"]
    assert list(item.fields) == ["发生了什么", "一句话判断"]


def test_a_bare_source_label_may_be_followed_by_a_numbered_list(parse: Parse) -> None:
    doc, warnings = parse(
        "大事件\n\n1. 甲\n发生了什么：内容。\n可信来源：\n1. A：一 (<https://example.com/1>)\n"
        "2. B：二 (https://example.com/2)\n2. 乙\n发生了什么：内容。\n"
    )
    first, second = doc.sections[0].items
    assert [source.publisher for source in first.sources] == ["A", "B"]
    assert second.title == "乙"
    assert warnings == []


def test_markdown_escapes_are_removed_from_text(parse: Parse) -> None:
    doc, _ = parse(
        "大事件\n\n1. 融资 \\$1 亿\n\n发生了什么：\\*重要\\*。\n\n来源：A：\\$122 (<https://e.com/>)\n"
    )
    item = doc.sections[0].items[0]
    assert (item.title, item.fields["发生了什么"], item.sources[0].title) == (
        "融资 $1 亿",
        "*重要*。",
        "$122",
    )


def test_a_colon_in_prose_does_not_make_a_field(parse: Parse) -> None:
    doc, _ = parse(
        "大事件\n\n1. 标题\n\n发生了什么：内容。\n\n官方称：这是引语。\n\n"
        "OpenAI: we will ship it.\n\n影响范围：很大。\n"
    )
    assert doc.sections[0].items[0].fields == {
        "发生了什么": "内容。\n\n官方称：这是引语。\n\nOpenAI: we will ship it.",
        "影响范围": "很大。",
    }


def test_a_colon_in_an_item_title_belongs_to_the_title(parse: Parse) -> None:
    doc, _ = parse("X 平台高信号观点\n\n1. @someone : 观点：很重要\n\n类型：趋势信号\n")
    assert doc.sections[0].items[0].title == "@someone : 观点：很重要"


def test_hard_wrapped_lines_are_joined_with_the_report_spacing(parse: Parse) -> None:
    doc, warnings = parse("今日总览\n\n第一行写到 OpenAI\n和第二行，\nthen English\nwords。\n")
    assert doc.sections[0].paragraphs == ["第一行写到 OpenAI 和第二行，then English words。"]
    assert warnings == []


def test_headings_items_bullets_and_fields_never_join_an_open_paragraph(parse: Parse) -> None:
    doc, _ = parse(
        "大事件\n\n开场白没有句号\n\n1. 标题没有句号\n\n发生了什么：没有句号\n\n- 列表\n"
    )
    assert doc.sections[0].paragraphs == ["开场白没有句号"]
    assert doc.sections[0].items[0].title == "标题没有句号"
    assert doc.sections[0].items[0].fields == {"发生了什么": "没有句号\n\n- 列表"}


def test_the_title_line_may_be_written_without_a_bar_and_with_a_chinese_date(
    sample_text: str,
) -> None:
    text = sample_text.replace(
        "AI前沿发展日报 | 2026-04-07 (Asia/Shanghai)", "AI前沿发展日报 2026年4月7日（北京时间）"
    )
    doc = parse_report(text)
    assert (doc.title, doc.date, doc.timezone) == (
        "AI前沿发展日报",
        dt.date(2026, 4, 7),
        "Asia/Shanghai",
    )


def test_the_date_line_gives_the_date_when_the_title_has_none() -> None:
    doc = parse_report("AI前沿发展日报\n\n日期：2026/4/8\n覆盖窗口：一周\n\n今日总览\n\n话。\n")
    assert (doc.date, doc.window) == (dt.date(2026, 4, 8), "一周")


def test_a_date_line_that_disagrees_with_the_title_is_warned_about(parse: Parse) -> None:
    doc, warnings = parse("日期：2026-04-08\n\n今日总览\n\n话。\n")
    assert doc.date == dt.date(2026, 4, 7)
    assert "the title's date is kept" in messages(warnings)[0]


def test_warnings_for_odd_but_usable_structure(parse: Parse) -> None:
    doc, warnings = parse(
        "序言的话。\n\n今日总览\n\n---\n\n商业与应用解读\n\n大事件\n\n1. 甲\n\n要点：一。\n\n"
        "3. 乙\n\n来源：A (<https://example.com/>)\n\n今日结论\n\n来源：B (<https://example.com/>)\n"
    )
    assert [(s.kind, s.title) for s in doc.sections] == [
        (SectionKind.OTHER, ""),
        (SectionKind.EVENTS, "大事件"),
        (SectionKind.CONCLUSIONS, "今日结论"),
    ]
    assert doc.sections[2].paragraphs == ["来源：B (<https://example.com/>)"]
    assert [(w.line, w.message) for w in warnings] == [
        (3, "text before the first section heading is kept in an untitled section"),
        (23, "a source line outside any item is kept as a paragraph"),
        (5, "the section '今日总览' is empty and was left out"),
        (9, "the section '商业与应用解读' is empty and was left out"),
        (17, "item numbered 3 where 2 was expected"),
    ]


def test_sources_may_be_separated_by_semicolons_that_titles_may_also_hold(parse: Parse) -> None:
    doc, _ = parse(
        "大事件\n\n1. 标题\n\n发生了什么：内容。\n\n"
        "来源：A：Cats; dogs (<https://example.com/1>)；B：乙（https://example.com/2）\n"
    )
    assert doc.sections[0].items[0].sources == [
        SourceLink("A", "Cats; dogs", "https://example.com/1"),
        SourceLink("B", "乙", "https://example.com/2"),
    ]


@pytest.mark.parametrize(
    "heading",
    ["📌 今日 Top 1 大事件", "🔥今日 Top 1 大事件", "今日 Top 1 大事件（按影响排序）", "# 大事件"],
)
def test_emoji_and_notes_around_a_known_heading_are_tolerated(parse: Parse, heading: str) -> None:
    doc, warnings = parse(f"{heading}\n\n1. 标题\n\n发生了什么：内容。\n")
    assert doc.sections[0].kind is SectionKind.EVENTS
    assert warnings == []


def test_a_markdown_title_line_loses_its_hashes() -> None:
    doc = parse_report("# AI前沿发展日报 | 2026-04-07 (Asia/Shanghai)\n\n今日总览\n\n话。\n")
    assert doc.title == "AI前沿发展日报"


def test_items_without_numbers_are_found_by_the_fields_under_their_titles(parse: Parse) -> None:
    doc, warnings = parse(
        "X 平台高信号观点\n\n本节收录两条观点。\n\n@a：第一条观点\n类型：趋势信号\n"
        "来源：a on X (https://x.com/a/1)\n\n@b：第二条观点\n\n类型：实践观察\n"
    )
    section = doc.sections[0]
    assert section.paragraphs == ["本节收录两条观点。"]
    assert [(item.title, item.fields) for item in section.items] == [
        ("@a：第一条观点", {"类型": "趋势信号"}),
        ("@b：第二条观点", {"类型": "实践观察"}),
    ]
    assert [w.line for w in warnings] == [7, 11]


def test_a_label_alone_on_its_line_takes_the_text_below_it(parse: Parse) -> None:
    doc, warnings = parse("大事件\n\n1. 标题\n\n发生了什么：\n\n内容在下一段。\n")
    assert doc.sections[0].items[0].fields == {"发生了什么": "内容在下一段。"}
    assert warnings == []
