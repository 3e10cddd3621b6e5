"""The Gmail clip guard: sizes per variant against 102 * 1024 bytes."""

from __future__ import annotations

import copy

from newsletter.issues.document import IssueDocument
from newsletter.rendering import (
    GMAIL_CLIP_BYTES,
    ClipCheck,
    ClipStatus,
    RenderSettings,
    format_clip_report,
    gmail_clip_report,
    non_empty_mixes,
    render_variant,
)
from newsletter.topics import DEFAULT_TOPICS


def test_limit_is_102_kibibytes() -> None:
    assert GMAIL_CLIP_BYTES == 104_448


def test_clip_check_statuses_and_warning() -> None:
    assert ClipCheck(50_000).status is ClipStatus.OK
    assert ClipCheck(50_000).warning is None
    assert ClipCheck(100_000).status is ClipStatus.NEAR
    assert "within 4,448 bytes" in (ClipCheck(100_000).warning or "")
    over = ClipCheck(110_000)
    assert over.status is ClipStatus.CLIPPED
    assert over.excess == 5_552
    assert "5,552 bytes over" in (over.warning or "")


def test_five_topics_make_31_mixes() -> None:
    mixes = non_empty_mixes(topic.slug for topic in DEFAULT_TOPICS)
    assert len(mixes) == 31
    assert len(set(mixes)) == 31


def test_report_covers_each_distinct_variant_largest_first(
    sample_issue: IssueDocument, settings: RenderSettings, links: list[str]
) -> None:
    mixes = [None, *non_empty_mixes(topic.slug for topic in DEFAULT_TOPICS)]
    rows = gmail_clip_report(sample_issue, settings, links, mixes)

    assert len(rows) == 32  # "*" and the five-topic mix differ in label and archive link
    assert {rows[0].key, rows[1].key} == {"*", "capital+compute+industrial-ai+regulation+research"}
    assert [row.size for row in rows] == sorted((row.size for row in rows), reverse=True)
    assert all(row.status is ClipStatus.OK for row in rows)
    assert format_clip_report(rows).endswith("all 32 variants fit under Gmail's clip limit")


def test_mixes_with_topics_absent_from_the_issue_share_a_variant(
    sample_issue: IssueDocument, settings: RenderSettings, links: list[str]
) -> None:
    rows = gmail_clip_report(sample_issue, settings, links, [["research"], ["research", "ghost"]])
    assert [row.key for row in rows] == ["research"]


def oversized(doc: IssueDocument, copies: int) -> IssueDocument:
    big = copy.deepcopy(doc)
    events = big.sections[2]
    events.items = [copy.deepcopy(item) for _ in range(copies) for item in events.items]
    return big


def test_an_oversized_issue_is_reported_with_its_excess(
    sample_issue: IssueDocument, settings: RenderSettings, links: list[str]
) -> None:
    variant = render_variant(oversized(sample_issue, 5), None, settings, links)

    assert variant.clip.status is ClipStatus.CLIPPED
    assert variant.clip.excess == variant.size - GMAIL_CLIP_BYTES
    assert "over Gmail's clip limit" in (variant.warning or "")
    rows = gmail_clip_report(oversized(sample_issue, 5), settings, links, [None])
    assert "1 of 1 variants pass Gmail's clip limit" in format_clip_report(rows)
