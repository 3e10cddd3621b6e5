"""Rendering benchmark: all topic mixes of the sample issue, then per-reader messages.

Run on its own (no pytest):  .venv/bin/python bench/render.py [--quick]

1. Renders the 31 non-empty topic mixes of the 2026-04-07 sample (Jinja -> MJML -> MRML ->
   premailer -> text), cold, in this fresh process: what a worker pays once per issue.
2. Per-reader preparation on one core: token (one HMAC) + the complete MIME bytes from the
   PreparedVariant of the reader's mix, readers spread over the 31 mixes.
3. The naive way in the same run: a full render per reader plus EmailMessage serialisation.

The sample comes from ``newsletter.issues.report_parser`` when that module is importable, else
from the hand transcription in tests/rendering/sample_issue.py.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsletter.issues.document import IssueDocument  # noqa: E402
from newsletter.rendering import (  # noqa: E402
    PreparedVariant,
    Recipient,
    RenderedVariant,
    RenderSettings,
    build_link_registry,
    build_message,
    non_empty_mixes,
    render_variant,
)
from newsletter.signing import TokenPurpose, TokenSigner  # noqa: E402
from newsletter.topics import DEFAULT_TOPICS  # noqa: E402

SAMPLE_REPORT_CANDIDATES = [
    ROOT / "samples" / "daily-report-2026-04-07.txt",
    ROOT.parent.parent / "shared" / "samples" / "daily-report-2026-04-07.txt",
]
NAMES = ["张三", "Ann Lee", "", "欧阳娜娜", "José Müller", "李雷", ""]
SETTINGS = RenderSettings(
    base_url="https://news.example.com",
    sender_address="daily@news.example.com",
    postal_address="上海市浦东新区世纪大道 100 号 20 楼",
    list_id="daily.news.example.com",
    unsubscribe_mailbox="unsubscribe@news.example.com",
)


def load_sample() -> tuple[IssueDocument, str]:
    """The sample issue from the real importer if present, else the test transcription."""
    try:
        parser = importlib.import_module("newsletter.issues.report_parser")
    except ImportError:
        parser = None
    parse = getattr(parser, "parse_report", None) if parser else None
    report = next((path for path in SAMPLE_REPORT_CANDIDATES if path.exists()), None)
    if parse is not None and report is not None:
        return parse(report.read_text(encoding="utf-8")), f"report_parser on {report.name}"
    path = ROOT / "tests" / "rendering" / "sample_issue.py"
    spec = importlib.util.spec_from_file_location("bench_sample_issue", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_sample_issue(), "hand transcription (tests/rendering/sample_issue.py)"


def render_all(doc: IssueDocument, links: list[str]) -> tuple[float, list[RenderedVariant]]:
    mixes = non_empty_mixes(topic.slug for topic in DEFAULT_TOPICS)
    start = time.perf_counter()
    variants = [render_variant(doc, mix, SETTINGS, links) for mix in mixes]
    return time.perf_counter() - start, variants


def recipients(count: int, offset: int = 0) -> list[Recipient]:
    return [
        Recipient(offset + i + 1, f"reader{offset + i}@example.org", NAMES[i % len(NAMES)])
        for i in range(count)
    ]


def prepared_rate(prepared: list[PreparedVariant], readers: list[Recipient]) -> float:
    """Messages per second building full MIME bytes, token signing included."""
    spread = len(prepared)
    start = time.perf_counter()
    for index, reader in enumerate(readers):
        build_message(prepared[index % spread], reader)
    return len(readers) / (time.perf_counter() - start)


def naive_message(
    doc: IssueDocument,
    mix: frozenset[str],
    links: list[str],
    signer: TokenSigner,
    reader: Recipient,
) -> bytes:
    """The per-reader way: render everything, then let the email package serialise it."""
    rendered = render_variant(doc, mix, SETTINGS, links)
    token = signer.sign(TokenPurpose.DELIVERY, reader.delivery_id)
    html, text = rendered.personalise(token, reader.name)
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(SETTINGS.sender_name, addr_spec=SETTINGS.sender_address)
    message["To"] = Address(reader.name, addr_spec=reader.email)
    message["Subject"] = rendered.subject
    message["List-Unsubscribe"] = f"<{SETTINGS.base_url}/u/{token}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, cte="base64")
    message.add_alternative(html, subtype="html", cte="base64")
    return message.as_bytes()


def naive_rate(doc: IssueDocument, links: list[str], signer: TokenSigner, count: int) -> float:
    mixes = non_empty_mixes(topic.slug for topic in DEFAULT_TOPICS)
    readers = recipients(count)
    start = time.perf_counter()
    for index, reader in enumerate(readers):
        naive_message(doc, mixes[index % len(mixes)], links, signer, reader)
    return count / (time.perf_counter() - start)


def median_of_rounds(measure: Callable[[], float], rounds: int) -> float:
    return statistics.median(measure() for _ in range(rounds))


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="fewer messages; under a minute")
    quick = args.parse_args(argv).quick
    per_round, naive_count = (10_000, 30) if quick else (50_000, 150)

    doc, source = load_sample()
    links = build_link_registry(doc)
    signer = TokenSigner("bench-secret-key")
    print(f"sample: {source}; {len(list(doc.items()))} items, {len(links)} links")

    cold_s, variants = render_all(doc, links)
    warm_s = median_of_rounds(lambda: render_all(doc, links)[0], 3)
    sizes = sorted(variant.size for variant in variants)
    print(f"31 mixes: cold {cold_s:.3f} s, warm {warm_s:.3f} s; HTML {sizes[0]:,}-{sizes[-1]:,} B")

    start = time.perf_counter()
    prepared = [PreparedVariant(variant, SETTINGS, signer) for variant in variants]
    print(f"PreparedVariant x31: {time.perf_counter() - start:.3f} s")
    sample = build_message(prepared[-1], recipients(1)[0])
    print(f"message size (all five topics): {len(sample):,} B")

    readers = recipients(per_round)
    prepare = median_of_rounds(lambda: prepared_rate(prepared, readers), 3)
    naive = naive_rate(doc, links, signer, naive_count)
    print(f"per-reader rounds: 3 x {per_round:,} prepared, {naive_count} naive")

    print(f"render_all_mixes_s: {cold_s:.2f} s (goal: <= 2)")
    print(f"prepare_msgs_per_s: {prepare:.0f} msg/s (goal: >= 10000)")
    print(f"naive_msgs_per_s: {naive:.1f} msg/s")
    print(f"prepare_vs_naive: {prepare / naive:.0f} x")


if __name__ == "__main__":
    main()
