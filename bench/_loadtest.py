"""A load-test harness for the benchmarks: gunicorn on a free loopback port, driven by wrk.

gunicorn runs with the project's gunicorn.conf.py hooks plus a ``post_request`` counter, so a
benchmark can compare what the server answered (per path prefix, counted in each worker and
saved when it exits) with what reached the database. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]

# Written next to the run's files; wraps the project's gunicorn.conf.py hooks and counts the
# requests each worker answered by path prefix, saved when the worker exits (after its flush).
COUNTING_CONF = """
import json, os, runpy, threading
_project = runpy.run_path({project!r})
_lock = threading.Lock()
_prefixes = {prefixes!r}
_answered = {{name: 0 for name in _prefixes.values()}}

def post_request(worker, req, environ, resp):
    kind = next((name for prefix, name in _prefixes.items() if req.path.startswith(prefix)), None)
    if kind and resp.status_code is not None and int(resp.status_code) < 400:
        with _lock:
            _answered[kind] += 1

def worker_exit(server, worker):
    _project["worker_exit"](server, worker)
    with open(os.path.join({folder!r}, "answered-%d.json" % os.getpid()), "w") as out:
        json.dump(_answered, out)
"""

WRK_SCRIPT = """
local paths = {{{paths}}}
local pause = {pause}
local counter = 0
local offset = 0
setup = function(thread) thread:set("offset", math.random(1, #paths)) end
init = function(args) counter = offset end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], {{["User-Agent"] = "{agent}"}})
end
if pause > 0 then delay = function() return pause end end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean))
end
"""


@dataclass
class Load:
    """What wrk measured for one kind of request."""

    requests: int
    seconds: float
    bad_status: int
    socket_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    """A TCP port free on the loopback interface just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(
    settings: dict[str, str],
    folder: Path,
    *,
    workers: int,
    threads: int,
    prefixes: dict[str, str],
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``gunicorn wsgi:app`` with ``settings`` in its environment; wait for /healthz.

    ``prefixes`` maps path prefixes to the names :func:`answered_by_workers` counts them as.
    """
    port = free_port()
    conf = folder / "gunicorn-bench.conf.py"
    project = str(ROOT / "gunicorn.conf.py")
    conf.write_text(COUNTING_CONF.format(project=project, folder=str(folder), prefixes=prefixes))
    env = {**os.environ, **settings}
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-c",
        str(conf),
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        "10",
        "--graceful-timeout",
        "30",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors = process.stderr.read().decode()[-2000:] if process.stderr else ""
            raise RuntimeError(f"gunicorn exited: {errors}")
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except requests.RequestException:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not become healthy within 60 s")


def stop_gunicorn(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM: workers finish their requests, run worker_exit (flush), then exit."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise RuntimeError("gunicorn did not stop within 60 s") from None


def run_wrk(
    base: str,
    paths: list[str],
    seconds: float,
    connections: int,
    folder: Path,
    *,
    agent: str,
    rate: float = 0.0,
) -> Load:
    """Drive ``paths`` for ``seconds``; ``rate`` > 0 paces the connections to about that."""
    script = folder / "paths.lua"
    listed = ",".join(json.dumps(p) for p in paths)
    # Aim above the rate: each connection also waits for its answer (and wrk's timer)
    # between pauses, so the rate reached is lower than the pauses alone allow.
    pause = int(1000 * connections / (rate * 1.5)) if rate else 0
    script.write_text(WRK_SCRIPT.format(paths=listed, agent=agent, pause=pause))
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        base,
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    match = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) ([\d.]+)", output)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    total, micros, bad, errors, p50, p99 = (int(v) for v in match.groups()[:6])
    return Load(total, micros / 1e6, bad, errors, p50 / 1000, p99 / 1000)


def answered_by_workers(folder: Path) -> dict[str, int]:
    """Requests answered (status below 400) by every worker that exited, by prefix name."""
    totals: dict[str, int] = {}
    for path in folder.glob("answered-*.json"):
        for kind, count in json.loads(path.read_text()).items():
            totals[kind] = totals.get(kind, 0) + count
        path.unlink()
    return totals
