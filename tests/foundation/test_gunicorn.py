"""gunicorn with the project's gunicorn.conf.py: an idle kept-alive connection stays usable
for longer than gunicorn's own default, so a proxy reusing it is never answered by silence."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.delivery.workers import stop_process
from tests.servers import LOOPBACK, free_port

ROOT = Path(__file__).resolve().parents[2]
#: Past gunicorn's default keep-alive (2 s) and the one-second poll that enforces it.
IDLE_SECONDS = 4.0
TINY_APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
"""


def gunicorn(folder: Path, *extra: str) -> Iterator[int]:
    (folder / "tiny_app.py").write_text(TINY_APP)
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
        "-k", "gthread", "--threads", "2", "-b", f"{LOOPBACK}:{port}",
        "--chdir", str(folder), *extra, "tiny_app:app",
    ]  # fmt: skip
    log = folder / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            probe = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
            try:
                probe.request("GET", "/")
                probe.getresponse().read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {log.read_text()[-800:]}")
                time.sleep(0.2)
            finally:
                probe.close()
        yield port
    finally:
        stop_process(process)


def reuse_after_idle(port: int) -> int:
    """One request, a pause, a second request on the same connection; its status."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    connection.request("GET", "/")
    connection.getresponse().read()
    time.sleep(IDLE_SECONDS)
    connection.request("GET", "/")
    status = connection.getresponse().status
    connection.close()
    return status


def test_an_idle_connection_is_still_answered_after_gunicorns_default_keep_alive(
    tmp_path: Path,
) -> None:
    for port in gunicorn(tmp_path):
        assert reuse_after_idle(port) == 200


def test_with_gunicorns_default_the_same_reuse_gets_no_answer(tmp_path: Path) -> None:
    """The failure the setting prevents, shown with gunicorn's default put back."""
    for port in gunicorn(tmp_path, "--keep-alive", "2"):
        with pytest.raises(ConnectionError):  # reset, or closed without a response
            reuse_after_idle(port)
