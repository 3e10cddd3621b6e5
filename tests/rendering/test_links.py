"""The link registry: distinct web URLs of the whole issue, in reading order."""

from __future__ import annotations

from newsletter.issues.document import IssueDocument, Item, Section, SectionKind, SourceLink
from newsletter.rendering import build_link_registry
from newsletter.rendering.links import find_urls


def test_registry_lists_every_source_once_in_reading_order(sample_issue: IssueDocument) -> None:
    registry = build_link_registry(sample_issue)

    expected = list(
        dict.fromkeys(source.url for item in sample_issue.items() for source in item.sources)
    )
    assert registry == expected
    assert len(registry) == 18
    assert registry[0] == "https://openai.com/index/accelerating-the-next-phase-ai/"
    assert registry[-1] == "https://arxiv.org/abs/2603.26983"


def test_registry_is_stable_for_the_same_document(sample_issue: IssueDocument) -> None:
    assert build_link_registry(sample_issue) == build_link_registry(sample_issue)


def test_registry_includes_urls_in_paragraphs_and_fields_where_they_are_read() -> None:
    doc = IssueDocument(
        title="t",
        sections=[
            Section(SectionKind.OVERVIEW, "总览", paragraphs=["详见 https://a.example/one。"]),
            Section(
                SectionKind.EVENTS,
                "事件",
                items=[
                    Item(
                        "x",
                        fields={"关键信息": "见 https://b.example/two, 以及 https://a.example/one"},
                        sources=[
                            SourceLink("P", "T", "https://c.example/three"),
                            SourceLink("P", "mail", "mailto:someone@example.org"),
                        ],
                    )
                ],
            ),
        ],
    )

    assert build_link_registry(doc) == [
        "https://a.example/one",
        "https://b.example/two",
        "https://c.example/three",
    ]


def test_find_urls_stops_at_cjk_punctuation_and_trailing_marks() -> None:
    text = "见（https://x.example/a_(b)）与 https://y.example/p?q=1. 以及 <https://z.example/>"
    assert [url for _, _, url in find_urls(text)] == [
        "https://x.example/a_(b)",
        "https://y.example/p?q=1",
        "https://z.example/",
    ]
