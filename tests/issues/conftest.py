"""Fixtures for the issue importers: the shared sample report, the demo report, builders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from newsletter.issues.document import IssueDocument
from newsletter.issues.problems import Problem
from newsletter.issues.report import parse_report

REPO = Path(__file__).resolve().parents[2]
DEMO_REPORT = REPO / "newsletter" / "demo" / "daily-report-demo.txt"
SAMPLE_NAME = "daily-report-2026-04-07.txt"
TITLE_LINE = "AI前沿发展日报 | 2026-04-07 (Asia/Shanghai)"


def _sample_path() -> Path | None:
    """The shared sample beside the checkout: ``<repo>/../shared`` or one level further up."""
    for shared in (REPO.parent / "shared", REPO.parent.parent / "shared"):
        candidate = shared / "samples" / SAMPLE_NAME
        if candidate.is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def sample_path() -> Path:
    path = _sample_path()
    if path is None:
        pytest.skip(f"the shared sample {SAMPLE_NAME} is not beside this checkout (../shared)")
    return path


@pytest.fixture(scope="session")
def sample_text(sample_path: Path) -> str:
    return sample_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_lines(sample_text: str) -> list[str]:
    """The sample's lines, numbered from 1 like an editor's (index 0 is unused)."""
    return ["", *sample_text.split("\n")]


@pytest.fixture
def sample_doc(sample_text: str) -> IssueDocument:
    return parse_report(sample_text)


@pytest.fixture(scope="session")
def demo_text() -> str:
    return DEMO_REPORT.read_text(encoding="utf-8")


@pytest.fixture
def parse() -> Callable[[str], tuple[IssueDocument, list[Problem]]]:
    """Parse a report made of the sample's title line followed by ``body``; return warnings."""

    def parse(body: str) -> tuple[IssueDocument, list[Problem]]:
        warnings: list[Problem] = []
        doc = parse_report(f"{TITLE_LINE}\n\n{body}", warnings=warnings)
        return doc, warnings

    return parse
