"""SpamAssassin's local rules score a full issue well below the 2.0 we allow ourselves."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from newsletter.rendering import PreparedVariant, Recipient, RenderedVariant, build_message

SPAMASSASSIN = shutil.which("spamassassin")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MAX_SCORE = 2.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SPAMASSASSIN is None, reason="spamassassin is not installed"),
]


def spamassassin_report(raw: bytes, home: Path) -> str:
    """Run SpamAssassin with local tests only (-L: no DNS, no network) in test mode (-t)."""
    assert SPAMASSASSIN is not None
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    result = subprocess.run(
        [SPAMASSASSIN, "-L", "-t"], input=raw, capture_output=True, env=env, timeout=180, check=True
    )
    return result.stdout.decode("utf-8", "replace")


def test_full_issue_scores_below_two(
    all_topics: RenderedVariant,
    prepare: Callable[[RenderedVariant], PreparedVariant],
    tmp_path: Path,
) -> None:
    raw = build_message(prepare(all_topics), Recipient(12345, "zhang@example.org", "张三"))

    report = spamassassin_report(raw, tmp_path)
    match = re.search(r"Content analysis details:\s+\((-?[\d.]+) points", report)
    assert match is not None, report[-2000:]
    score = float(match.group(1))
    details = report[match.start() :]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "spamassassin-full-issue.txt").write_text(details, encoding="utf-8")
    print(f"SpamAssassin score of the full issue: {score}\n{details}")

    assert score < MAX_SCORE, details
