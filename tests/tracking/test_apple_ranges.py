"""Apple's relay ranges: lookups, and refreshing the file from Apple's list (here served by a
local HTTP server) without ever leaving a broken file behind."""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from newsletter.commands import build_cli
from newsletter.tracking.apple_ranges import (
    DEFAULT_FILE,
    RangeSet,
    RefreshError,
    load_ranges,
    parse_networks,
    refresh,
)

APPLE_CSV = (
    "172.224.224.0/27,GB,GB-EN,London\n"
    "172.224.224.32/27,GB,GB-EN,London\n"
    "2a02:26f7:b3c0:4000::/64,DE,DE-BE,Berlin\n"
    "104.28.0.0/16,US,US-CA,Los Angeles\n"
)


class CsvHandler(BaseHTTPRequestHandler):
    """Serves /egress.csv, a captive-portal page at /portal, and 404 elsewhere."""

    def do_GET(self) -> None:
        pages = {"/egress.csv": APPLE_CSV, "/portal": "<html><body>Sign in to Wi-Fi</body></html>"}
        body = pages.get(self.path)
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write((body or "").encode())

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def csv_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CsvHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_shipped_file_covers_apples_own_block() -> None:
    ranges = load_ranges(DEFAULT_FILE)
    assert "17.1.2.3" in ranges
    assert "18.1.2.3" not in ranges
    assert "not an address" not in ranges


def test_ranges_are_merged_and_searched_for_both_versions() -> None:
    networks, bad = parse_networks(
        ["# comment", "", "10.0.0.0/25", "10.0.0.128/25", "x", "2001:db8::/32"]
    )
    ranges = RangeSet(networks)
    assert bad == 1
    assert ranges.size == 2
    assert "10.0.0.255" in ranges
    assert "10.0.1.0" not in ranges
    assert "2001:db8:ffff::1" in ranges
    assert "::ffff:10.0.0.3" in ranges


def test_refresh_downloads_apples_list_and_replaces_the_file(
    csv_server: str, tmp_path: Path
) -> None:
    target = tmp_path / "apple.txt"
    report = refresh(target, url=f"{csv_server}/egress.csv")
    assert report.rows == 4
    assert report.networks == 3  # the two /27s merge into one /26
    text = target.read_text()
    assert text.startswith("# Apple Mail Privacy Protection")
    assert f"Source: {csv_server}/egress.csv" in text
    ranges = load_ranges(target)
    assert "172.224.224.40" in ranges
    assert "104.28.9.9" in ranges


@pytest.mark.parametrize("path", ["/portal", "/missing"])
def test_a_refresh_that_fetches_no_list_leaves_the_file_as_it_was(
    csv_server: str, tmp_path: Path, path: str
) -> None:
    target = tmp_path / "apple.txt"
    target.write_text("17.0.0.0/8\n")
    with pytest.raises(RefreshError):
        refresh(target, url=f"{csv_server}{path}")
    assert target.read_text() == "17.0.0.0/8\n"
    assert [p.name for p in tmp_path.iterdir()] == ["apple.txt"]


def test_refresh_refuses_plain_http_to_other_hosts(tmp_path: Path) -> None:
    with pytest.raises(RefreshError, match="only https"):
        refresh(tmp_path / "apple.txt", url="http://mask-api.icloud.com/egress-ip-ranges.csv")


def test_refresh_times_out_instead_of_hanging(tmp_path: Path) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        with pytest.raises(RefreshError, match="cannot fetch"):
            refresh(
                tmp_path / "a.txt",
                url=f"http://127.0.0.1:{silent.getsockname()[1]}/x.csv",
                timeout=0.3,
            )
    finally:
        silent.close()


def test_the_cli_refreshes_the_configured_file_from_a_url_or_a_file(
    app: Flask, csv_server: str, tmp_path: Path
) -> None:
    target = tmp_path / "ranges.txt"
    app.config["NEWSLETTER"] = _with(app, apple_relay_ranges_file=str(target))
    runner = app.test_cli_runner()
    result = runner.invoke(
        build_cli(), ["tracking", "refresh-apple-ranges", "--url", f"{csv_server}/egress.csv"]
    )
    assert result.exit_code == 0, result.output
    assert "wrote 3 networks" in result.output
    source = tmp_path / "egress.csv"
    source.write_text("198.51.100.0/24,US,US-NY,New York\n")
    result = runner.invoke(build_cli(), ["tracking", "refresh-apple-ranges", "--file", str(source)])
    assert result.exit_code == 0, result.output
    assert "198.51.100.7" in load_ranges(target)
    assert "104.28.9.9" not in load_ranges(target)


def test_the_cli_reports_a_failed_refresh(app: Flask, csv_server: str, tmp_path: Path) -> None:
    app.config["NEWSLETTER"] = _with(app, apple_relay_ranges_file=str(tmp_path / "r.txt"))
    result = app.test_cli_runner().invoke(
        build_cli(), ["tracking", "refresh-apple-ranges", "--url", f"{csv_server}/portal"]
    )
    assert result.exit_code != 0
    assert "is unchanged" in result.output


def _with(app: Flask, **changes: Any) -> Any:
    return dataclasses.replace(app.config["NEWSLETTER"], **changes)
