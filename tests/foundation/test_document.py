"""What a reader of some topics receives, and the key that names their mix."""

from __future__ import annotations

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind
from newsletter.topics import ALL_TOPICS_KEY, GENERAL_ONLY_KEY, parse_variant_key, variant_key


def _issue() -> IssueDocument:
    return IssueDocument(
        title="AI前沿发展日报",
        sections=[
            Section(SectionKind.OVERVIEW, "今日总览", paragraphs=["总览"]),
            Section(
                SectionKind.EVENTS,
                "今日 Top 3 大事件",
                items=[
                    Item("融资", topics=["capital"]),
                    Item("算力", topics=["compute"]),
                    Item("综合"),
                ],
            ),
            Section(
                SectionKind.RESEARCH, "前沿研究速递", items=[Item("论文", topics=["research"])]
            ),
        ],
    )


def test_a_reader_gets_general_parts_and_items_of_their_topics() -> None:
    filtered = _issue().filtered({"capital"})
    assert [s.title for s in filtered.sections] == ["今日总览", "今日 Top 3 大事件"]
    assert [i.title for i in filtered.sections[1].items] == ["融资", "综合"]


def test_no_filter_means_every_item() -> None:
    assert _issue().filtered(None) == _issue()


def test_variant_keys_are_canonical_and_ignore_unused_topics() -> None:
    used = _issue().topics_used()
    assert variant_key(["research", "capital"]) == "capital+research"
    assert variant_key(["capital", "regulation"], used) == "capital"
    assert variant_key(["regulation"], used) == GENERAL_ONLY_KEY
    assert variant_key(None) == ALL_TOPICS_KEY
    assert parse_variant_key("capital+research") == {"capital", "research"}
    assert parse_variant_key(ALL_TOPICS_KEY) is None
