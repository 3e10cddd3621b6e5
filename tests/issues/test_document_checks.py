"""Control characters smuggled in through Markdown or JSON escapes are refused where they are."""

from __future__ import annotations

import json

import pytest

from newsletter.issues.formats import parse_any
from newsletter.issues.problems import ReportError

MARKDOWN = """---
title: "AI\\u0006日报"
date: 2026-04-07
---

## 今日总览 {#overview}

第一段。

## Top 1 大事件 {#events}

### 一件事

**发生了什么**: 发生了\x07一件事。
"""


def _problems(error: ReportError) -> list[str]:
    return [str(problem) for problem in error.problems]


def test_markdown_escapes_and_raw_controls_are_named_with_their_place() -> None:
    with pytest.raises(ReportError) as caught:
        parse_any(MARKDOWN.encode(), filename="issue.md")
    problems = _problems(caught.value)
    assert any(p.startswith("title") and "U+0006" in p for p in problems), problems
    assert any("fields.发生了什么" in p and "U+0007" in p for p in problems), problems


def test_json_escapes_are_refused_with_their_path() -> None:
    body = {
        "title": "AI前沿发展日报",
        "date": "2026-04-07",
        "sections": [
            {"kind": "overview", "title": "今日总览", "paragraphs": ["好\u0008的"], "items": []}
        ],
    }
    with pytest.raises(ReportError) as caught:
        parse_any(json.dumps(body).encode(), filename="issue.json")
    problems = _problems(caught.value)
    assert any("sections[0].paragraphs[0]" in p and "U+0008" in p for p in problems), problems


def test_tabs_and_line_breaks_are_layout_and_stay_allowed() -> None:
    body = {
        "title": "AI前沿发展日报",
        "date": "2026-04-07",
        "sections": [
            {"kind": "overview", "title": "今日总览", "paragraphs": ["一\t二\n三"], "items": []}
        ],
    }
    doc = parse_any(json.dumps(body).encode(), filename="issue.json")
    assert doc.sections[0].paragraphs == ["一\t二\n三"]
