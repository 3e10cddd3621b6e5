"""Watching the run: ledger states, the processes' logs and the fault timeline."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from newsletter.models import Delivery, DeliveryState

UNSETTLED = (DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.DEFERRED)
_ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL|Traceback)\b")
_WARNING_LINE = re.compile(r"\bWARNING\b")
_NOISE = re.compile(r"\d{4}-\d\d-\d\d[ T][\d:,.]+|\b\d+\b|0x[0-9a-f]+")


def states(engine: Engine, campaign_id: int, *, patience: float = 60.0) -> Counter[str]:
    """Rows of the campaign per state; waits (up to ``patience`` s) while the database is away."""
    deadline = time.monotonic() + patience
    while True:
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    select(Delivery.state, func.count())
                    .where(Delivery.campaign_id == campaign_id)
                    .group_by(Delivery.state)
                ).all()
            return Counter({str(state): int(n) for state, n in rows})
        except SQLAlchemyError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def show(counts: Counter[str]) -> str:
    """'sent 1200, queued 800' in the ledger's order."""
    order = [state.value for state in DeliveryState]
    return ", ".join(f"{s} {counts[s]}" for s in order if counts.get(s)) or "no rows"


def wait_for(
    engine: Engine, campaign_id: int, done: Callable[[Counter[str]], bool], seconds: float
) -> Counter[str]:
    """Poll the ledger until ``done(states)``; returns the last counts (even on time-out)."""
    deadline = time.monotonic() + seconds
    counts = states(engine, campaign_id)
    while not done(counts) and time.monotonic() < deadline:
        time.sleep(0.25)
        counts = states(engine, campaign_id)
    return counts


def settled(counts: Counter[str]) -> bool:
    """No row queued, in a worker's hands or waiting for a retry."""
    return not any(counts.get(state.value) for state in UNSETTLED)


class LogWatch:
    """New error lines in the processes' logs since the last :meth:`mark`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.offsets: dict[Path, int] = {}

    def mark(self) -> None:
        self.offsets = {path: path.stat().st_size for path in self.folder.glob("*.log")}

    def lines(self) -> tuple[Counter[str], Counter[str]]:
        """Error lines and warning lines written since the mark, per process and message
        (numbers blanked)."""
        errors: Counter[str] = Counter()
        warnings: Counter[str] = Counter()
        for path in sorted(self.folder.glob("*.log")):
            with path.open("rb") as log:
                log.seek(self.offsets.get(path, 0))
                text = log.read().decode("utf-8", errors="replace")
            for line in text.splitlines():
                found = errors if _ERROR_LINE.search(line) else None
                if found is None and _WARNING_LINE.search(line):
                    found = warnings
                if found is not None:
                    found[f"{path.stem}: {_NOISE.sub('#', line.strip())[:160]}"] += 1
        return errors, warnings


@dataclass
class Step:
    """One fault (or phase) of the drill as it happened."""

    name: str
    started: float  # seconds since the drill began
    before: Counter[str]
    after: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    wall: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def lines(self) -> list[str]:
        """The step as report lines."""
        out = [
            f"[t+{self.started:6.1f}s] {self.name} "
            f"({self.seconds:.1f} s from {self.wall:%H:%M:%S} UTC)",
            f"    before: {show(self.before)}",
            f"    after:  {show(self.after)}",
        ]
        out += [f"    {note}" for note in self.notes]
        for kind, found, shown in (("error", self.errors, 6), ("warning", self.warnings, 4)):
            out.append(f"    {kind} lines in logs: {sum(found.values()) or 'none'}")
            out += [f"      {n:>4} x {line}" for line, n in found.most_common(shown)]
        return out
