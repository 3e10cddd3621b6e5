"""The demo report shipped for a first start parses cleanly and is plainly invented."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from newsletter.issues.document import SectionKind
from newsletter.issues.problems import Problem
from newsletter.issues.report import parse_report


def test_the_demo_parses_without_a_single_warning(demo_text: str) -> None:
    warnings: list[Problem] = []
    doc = parse_report(demo_text, warnings=warnings)
    assert warnings == []
    assert (doc.title, doc.date, doc.timezone) == (
        "AI前沿发展日报",
        dt.date(2026, 5, 11),
        "Asia/Shanghai",
    )
    assert doc.window == "示例数据，模拟 2026-05-04 至 2026-05-11 期间的虚构事件，仅供试用"


def test_the_demo_has_every_section_of_the_format(demo_text: str) -> None:
    doc = parse_report(demo_text)
    assert [(s.kind, len(s.paragraphs), len(s.items)) for s in doc.sections] == [
        (SectionKind.OVERVIEW, 3, 0),
        (SectionKind.CONCLUSIONS, 4, 0),
        (SectionKind.EVENTS, 0, 4),
        (SectionKind.ANALYSIS, 2, 0),
        (SectionKind.SOCIAL, 0, 2),
        (SectionKind.RESEARCH, 0, 3),
    ]


def test_the_demo_says_first_that_it_is_invented(demo_text: str) -> None:
    first = parse_report(demo_text).sections[0].paragraphs[0]
    assert first.startswith("这是一期演示用的日报，其中的公司、事件、人物和数字全部为虚构")


def test_the_demo_links_only_to_example_domains(demo_text: str) -> None:
    hosts = {
        urlsplit(s.url).hostname or ""
        for item in parse_report(demo_text).items()
        for s in item.sources
    }
    assert hosts
    assert all(host.endswith((".example.com", ".example.org")) for host in hosts)
