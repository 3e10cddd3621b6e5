"""Worker processes for the delivery tests: the same settings as the test's app, through
the environment, with their output kept in a file the test can show."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def worker_environment(app_config: dict[str, Any]) -> dict[str, str]:
    """``NEWSLETTER_*`` variables giving a subprocess the test app's settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSLETTER_")}
    env["PYTHONPATH"] = str(ROOT)
    for name, value in app_config.items():
        env[f"NEWSLETTER_{name.upper()}"] = str(value)
    return env


def start_process(args: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``python args...`` from the repository root, output into ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    """Wait until ``text`` shows in the log; fail with the log if the process died first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} from the worker; its output:\n{log.read_text()[-4000:]}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask the process to stop, and kill it if it does not within 20 seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


#: The addressee of each outbox file read so far. The outbox renames a file into place once
#: it is complete and never changes it again, so each is read once however often a test
#: counts (the crash test counts thousands of files after every kill).
_addressee: dict[Path, str] = {}
_headers = BytesHeaderParser()


def outbox_recipients(folder: Path) -> Counter[str]:
    """How many messages each address has in the outbox."""
    found: Counter[str] = Counter()
    for path in folder.rglob("*.eml"):
        if path not in _addressee:
            _addressee[path] = parseaddr(str(_headers.parsebytes(path.read_bytes())["To"]))[1]
        found[_addressee[path]] += 1
    return found
