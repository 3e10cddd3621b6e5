"""Topic suggestions from keyword rules."""

from __future__ import annotations

import pytest

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind
from newsletter.issues.report import parse_report
from newsletter.issues.tagging import seed_rules, suggest_topics, tag_document


def item(title: str, text: str = "") -> Item:
    return Item(title, fields={"发生了什么": text} if text else {})


def test_the_matched_keywords_are_reported_in_rule_order() -> None:
    rules = {"capital": ["IPO", "融资", "估值"], "compute": ["GPU"]}
    found = suggest_topics(item("某公司完成融资", "估值翻倍，计划 IPO。"), rules)
    assert found == {"capital": ["IPO", "融资", "估值"]}


@pytest.mark.parametrize(
    ("keyword", "text", "matches"),
    [
        ("ACL", "Oracle 发布数据库", False),
        ("ACL", "论文被 ACL 2026 接收", True),
        ("ACL", "ACL：论文", True),
        ("TPU", "多吉瓦级TPU算力", True),
        ("GPU", "GPUs 供不应求", True),
        ("investor", "investors buy stock", True),
        ("AMD", "diamond", False),
        ("AI Act", "欧盟 AI  Act 的要求", True),
        ("物理 AI", "把物理AI推进到工业交付层", True),
        ("compute", "computer-use agent", False),
        ("run-rate", "收入 run-rate 超过", True),
        ("算力", "长期算力合约", True),
        ("Series A", "Series Ab", False),
    ],
)
def test_latin_keywords_match_whole_words_and_chinese_ones_anywhere(
    keyword: str, text: str, matches: bool
) -> None:
    rules = {"topic": [keyword]}
    assert bool(suggest_topics(item(text), rules)) is matches  # the title counts twice


def test_one_keyword_in_passing_is_not_enough_but_one_in_the_title_is() -> None:
    rules = {"compute": ["算力", "GPU"]}
    assert suggest_topics(item("融资新闻", "资本与算力采购权。"), rules) == {}
    assert suggest_topics(item("融资新闻", "资本、算力与 GPU。"), rules) == {
        "compute": ["算力", "GPU"]
    }
    assert suggest_topics(item("新的算力协议", "详情。"), rules) == {"compute": ["算力"]}
    assert suggest_topics(item("融资新闻", "算力。"), rules, min_evidence=1) == {
        "compute": ["算力"]
    }


def test_matching_ignores_case_and_repeated_keywords() -> None:
    rules = {"compute": ["nvidia", "NVIDIA", "blackwell"]}
    assert suggest_topics(item("NVIDIA Blackwell 出货"), rules) == {
        "compute": ["nvidia", "blackwell"]
    }


def test_research_items_get_the_research_topic_from_their_section() -> None:
    doc = IssueDocument(
        "日报",
        sections=[
            Section(SectionKind.RESEARCH, "研究", items=[item("一个新方法", "没有关键词。")]),
            Section(SectionKind.EVENTS, "事件", items=[item("一个新方法", "没有关键词。")]),
        ],
    )
    tag_document(doc, {"capital": ["融资"], "research": ["论文"]})
    research, event = doc.sections[0].items[0], doc.sections[1].items[0]
    assert (research.topics, research.topic_matches) == (
        ["research"],
        {"research": ["section:research"]},
    )
    assert (event.topics, event.topic_matches) == ([], {})


def test_no_section_topic_without_the_topic_in_the_rules() -> None:
    doc = IssueDocument(
        "日报", sections=[Section(SectionKind.RESEARCH, "研究", items=[item("甲")])]
    )
    tag_document(doc, {"capital": ["融资"]})
    assert doc.sections[0].items[0].topics == []


def test_general_sections_get_no_topics_even_with_items() -> None:
    general = Section(SectionKind.ANALYSIS, "解读", items=[item("融资与估值", "融资。")])
    doc = IssueDocument("日报", sections=[general])
    tag_document(doc, {"capital": ["融资", "估值"]})
    assert general.items[0].topics == []


def test_tagging_replaces_earlier_topics() -> None:
    event = item("融资与估值")
    event.topics = ["compute"]
    tag_document(IssueDocument("日报", sections=[Section(SectionKind.EVENTS, "", items=[event])]),
                 {"capital": ["融资"], "compute": ["GPU"]})  # fmt: skip
    assert event.topics == ["capital"]


def test_the_seeded_rules_suggest_sensible_topics_for_the_sample(
    sample_doc: IssueDocument,
) -> None:
    tag_document(sample_doc, seed_rules())
    assert [(item.line, item.topics) for item in sample_doc.items()] == [
        (24, ["capital"]),  # OpenAI raises $122 billion
        (38, ["compute"]),  # Anthropic's multi-gigawatt TPU deal
        (50, ["regulation"]),  # the EU GPAI Code signatories
        (62, ["industrial-ai"]),  # NVIDIA and ABB: physical AI for robots
        (74, []),  # Meta's support assistant: a product story for everyone
        (98, ["capital"]),  # on OpenAI's valuation
        (108, ["compute"]),  # on Google's compute build-out
        (118, []),  # on Anthropic's training courses
        (130, ["research"]),
        (142, ["research"]),
        (156, ["regulation", "research"]),  # a paper on the AI Act
    ]
    first = sample_doc.sections[2].items[0]
    assert first.topic_matches == {
        "capital": ["融资", "估值", "投资", "投资者", "募集", "资本", "投后"]
    }


def test_the_seeded_rules_give_each_demo_event_its_topic(demo_text: str) -> None:
    doc = parse_report(demo_text)
    tag_document(doc, seed_rules())
    assert [item.topics for item in doc.sections[2].items] == [
        ["capital"],
        ["compute"],
        ["regulation"],
        ["industrial-ai"],
    ]
    assert all("research" in item.topics for item in doc.sections[5].items)
