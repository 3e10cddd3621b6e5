"""Documents for the editor and CLI tests: the demo report, and one too big for Gmail."""

from __future__ import annotations

import copy
from pathlib import Path

from newsletter.issues.document import IssueDocument, Item, SectionKind
from newsletter.issues.report import parse_report
from newsletter.issues.tagging import seed_rules, tag_document

DEMO_REPORT = Path(__file__).resolve().parents[2] / "newsletter" / "demo" / "daily-report-demo.txt"


def demo_document() -> IssueDocument:
    """The demo report, parsed and tagged with the seeded rules."""
    doc = parse_report(DEMO_REPORT.read_text(encoding="utf-8"))
    tag_document(doc, seed_rules())
    return doc


def oversized_capital_document(copies: int = 30) -> IssueDocument:
    """The demo issue with ``copies`` long capital-only items: every mix with capital clips.

    Each copy adds about 4 KB of HTML, so 30 push the capital mixes well past 102 KB while
    the mixes without capital stay the demo's size.
    """
    doc = demo_document()
    events = next(section for section in doc.sections if section.kind is SectionKind.EVENTS)
    padding = "融资估值持续上升，投资者关注长期回报与资本效率。" * 60
    for number in range(copies):
        item = Item(
            f"第 {number + 1} 笔大额融资",
            fields={"发生了什么": padding},
            topics=["capital"],
        )
        events.items.append(copy.deepcopy(item))
    return doc
