"""HTTP traffic of the drill, with every request accounted for.

Each request goes through :meth:`Ledger.call`, which counts it as sent before it leaves and
as answered when any HTTP status comes back (an error status is an answer, counted apart);
a request that gets no answer (refused, reset, timed out) is counted as unanswered with its
error. ``sent == answered + unanswered`` holds by construction; the drill reports both.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
SIGNUP_DOMAIN = "signups.drill.example.org"
TIMEOUT = 30.0
_TOPIC_INPUT = re.compile(r'<input[^>]*name="topics"[^>]*value="([^"]+)"')


@dataclass
class Ledger:
    """Requests sent and what came back, per kind of request."""

    sent: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    unanswered: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    #: Every request that got no answer: (monotonic time, kind, method and URL, the error).
    misses: list[tuple[float, str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(
        self, kind: str, session: requests.Session, method: str, url: str, **kwargs: object
    ) -> requests.Response | None:
        """Send one request; None when no answer came."""
        with self.lock:
            self.sent[kind] += 1
        try:
            response = session.request(
                method,
                url,
                timeout=TIMEOUT,
                allow_redirects=False,
                **kwargs,  # type: ignore[arg-type]
            )
        except requests.RequestException as exc:
            with self.lock:
                self.unanswered[kind] += 1
                self.errors[f"{kind}: {type(exc).__name__}"] += 1
                self.misses.append((time.monotonic(), kind, f"{method} {url}", str(exc)[:300]))
            return None
        with self.lock:
            self.statuses.setdefault(kind, Counter())[response.status_code] += 1
        return response

    def answered(self, kind: str | None = None) -> int:
        kinds = [kind] if kind else list(self.statuses)
        return sum(sum(self.statuses.get(k, Counter()).values()) for k in kinds)

    def total_sent(self) -> int:
        return sum(self.sent.values())

    def total_unanswered(self) -> int:
        return sum(self.unanswered.values())

    def snapshot(self, kind: str) -> tuple[int, Counter[int], int]:
        """(sent, statuses, unanswered) of one kind, copied."""
        with self.lock:
            return (
                self.sent[kind],
                Counter(self.statuses.get(kind, Counter())),
                self.unanswered[kind],
            )


def describe(statuses: Counter[int]) -> str:
    """'200 x 380, 429 x 20'."""
    return ", ".join(f"{code} x {n}" for code, n in sorted(statuses.items())) or "none"


def in_threads(jobs: Iterable[Callable[[], None]], threads: int) -> float:
    """Run the jobs on ``threads`` threads; returns the seconds taken. On Ctrl-C the jobs
    not started are dropped, so the clean-up does not wait for the whole burst."""
    started = time.monotonic()
    pool = ThreadPoolExecutor(threads)
    try:
        for future in [pool.submit(job) for job in jobs]:
            future.result()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return time.monotonic() - started


def signup_burst(ledger: Ledger, base: str, first: int, count: int, threads: int) -> list[str]:
    """``count`` signups through the public form from ``threads`` threads, each from its own
    client address (X-Forwarded-For through one trusted proxy); returns the addresses."""
    local = threading.local()
    addresses = [f"signup{n}@{SIGNUP_DOMAIN}" for n in range(first, first + count)]

    def one(n: int, address: str) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers["User-Agent"] = BROWSER
        client_ip = f"198.18.{n // 250 % 250}.{n % 250 + 1}"
        headers = {"X-Forwarded-For": client_ip}
        page = ledger.call(
            "signup form", local.session, "GET", f"{base}/subscribe", headers=headers
        )
        offered = _TOPIC_INPUT.findall(page.text) if page is not None else []
        form = {
            "email": address,
            "name": f"报名者 {n}" if n % 2 else "",
            "topics": random.sample(offered, k=random.randint(0, len(offered))),
            "consent": "y",
            "website": "",
            "locale": "zh_CN" if n % 4 else "en",
            "source": "",
        }
        ledger.call(
            "signup", local.session, "POST", f"{base}/subscribe", data=form, headers=headers
        )

    jobs = [lambda n=n, a=a: one(n, a) for n, a in enumerate(addresses, first)]
    in_threads(jobs, threads)
    return addresses


def tracking_burst(
    ledger: Ledger, base: str, tokens: list[str], positions: list[int], threads: int
) -> None:
    """For each delivery token: its open pixel, and for every other one a click on a link."""
    local = threading.local()

    def one(n: int, token: str) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers["User-Agent"] = BROWSER
        ledger.call("open", local.session, "GET", f"{base}/t/o/{token}.gif")
        if positions and n % 2 == 0:
            position = positions[n % len(positions)]
            ledger.call("click", local.session, "GET", f"{base}/t/c/{token}/{position}")

    in_threads([lambda n=n, t=t: one(n, t) for n, t in enumerate(tokens)], threads)


class Background(threading.Thread):
    """A steady trickle of requests during the whole run (health checks, the signup page and
    the archive), so that every fault is also met by web traffic."""

    def __init__(self, ledger: Ledger, base: str, per_second: float = 10.0) -> None:
        super().__init__(name="drill-background", daemon=True)
        self.ledger, self.base, self.pause = ledger, base, 1.0 / per_second
        self.stopped = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        paths = ["/healthz", "/subscribe", "/archive"]
        n = 0
        while not self.stopped.wait(self.pause):
            self.ledger.call("background", session, "GET", f"{self.base}{paths[n % len(paths)]}")
            n += 1

    def stop(self) -> None:
        self.stopped.set()
        self.join(TIMEOUT + 5)
