"""Gmail clip guard over the topic mixes an audience needs, for the editor's preview and CLI."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from newsletter.issues.document import IssueDocument
from newsletter.rendering.clip import GMAIL_CLIP_BYTES, ClipCheck, ClipStatus
from newsletter.rendering.settings import RenderSettings
from newsletter.rendering.variant import render_variant
from newsletter.topics import variant_key


@dataclass(frozen=True)
class ClipReportRow:
    """One distinct variant: its key, the readers' topics in words, and its HTML size."""

    key: str
    topics_label: str
    size: int
    status: ClipStatus
    excess: int


def non_empty_mixes(slugs: Iterable[str]) -> list[frozenset[str]]:
    """Every non-empty combination of ``slugs`` (31 for five topics), smallest first."""
    ordered = sorted(set(slugs))
    return [
        frozenset(combo)
        for size in range(1, len(ordered) + 1)
        for combo in combinations(ordered, size)
    ]


def gmail_clip_report(
    doc: IssueDocument,
    settings: RenderSettings,
    links: Sequence[str],
    mixes: Iterable[Iterable[str] | None],
    *,
    tracking: bool = True,
    locale: str = "zh-CN",
) -> list[ClipReportRow]:
    """Render each distinct variant among ``mixes`` and report its size against the clip.

    Mixes that differ only in topics absent from the issue give the same variant and are
    reported once. Rows are sorted largest first, so the worst variant leads.
    """
    rows: dict[str, ClipReportRow] = {}
    available = doc.topics_used()
    for mix in mixes:
        key = variant_key(mix, available)
        if key in rows:
            continue
        rendered = render_variant(doc, mix, settings, links, tracking=tracking, locale=locale)
        rows[key] = ClipReportRow(
            key=key,
            topics_label=rendered.topics_label,
            size=rendered.size,
            status=rendered.clip.status,
            excess=rendered.clip.excess,
        )
    return sorted(rows.values(), key=lambda row: (-row.size, row.key))


def format_clip_report(rows: Sequence[ClipReportRow]) -> str:
    """A plain table of the report, with a closing line saying whether any variant clips."""
    lines = [f"{'variant':<48} {'HTML bytes':>10}  status   (Gmail clip: {GMAIL_CLIP_BYTES:,} B)"]
    for row in rows:
        over = f"  +{row.excess:,} B over" if row.excess else ""
        lines.append(f"{row.key:<48} {row.size:>10,}  {row.status.value:<7}{over}")
    clipped = [row for row in rows if row.status is ClipStatus.CLIPPED]
    if clipped:
        lines.append(f"{len(clipped)} of {len(rows)} variants pass Gmail's clip limit")
    else:
        lines.append(f"all {len(rows)} variants fit under Gmail's clip limit")
    return "\n".join(lines)


def clip_warnings(rows: Sequence[ClipReportRow]) -> list[str]:
    """One sentence per variant that passes or nears the clip, naming its topic mix."""
    return [
        f"topic mix {row.key} ({row.topics_label}): {ClipCheck(row.size).warning}"
        for row in rows
        if row.status is not ClipStatus.OK
    ]
