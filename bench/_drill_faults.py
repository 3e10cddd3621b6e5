"""The faults the drill injects while the campaign sends, each reported as a :class:`Step`."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from _drill_observe import LogWatch, Step, states, wait_for
from _drill_servers import Process, Stack
from _drill_traffic import SIGNUP_DOMAIN, Ledger, describe, signup_burst, tracking_burst
from sqlalchemy import Engine, func, select

from newsletter.models import (
    AuditEntry,
    Campaign,
    Delivery,
    DeliveryState,
    Event,
    EventType,
    Subscriber,
    TrackedLink,
    utcnow,
)
from newsletter.signing import TokenPurpose, TokenSigner


@dataclass
class Run:
    """What every fault needs: the servers, the database, the traffic ledger and the sizes."""

    stack: Stack
    engine: Engine
    campaign_id: int
    web: str
    worker_env: dict[str, str]
    signer: TokenSigner
    ledger: Ledger
    logs: LogWatch
    signups: int
    tracking_hits: int
    threads: int
    settle: float  # seconds to watch the engine after a fault before the "after" counts
    lease_seconds: float
    started: float = field(default_factory=time.monotonic)
    workers: dict[str, Process] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    killed_rows: list[int] = field(default_factory=list)
    dead_pids: set[int] = field(default_factory=set)
    killed_wall: dt.datetime = field(default_factory=utcnow)
    operator_wall: dt.datetime = field(default_factory=utcnow)  # when the operator stepped in

    def step(self, name: str, action: Callable[[Step], None]) -> Step:
        """Run one fault between two ledger counts, collecting the error lines it caused."""
        self.logs.mark()
        step = Step(name, time.monotonic() - self.started, states(self.engine, self.campaign_id))
        began = time.monotonic()
        action(step)
        step.seconds = time.monotonic() - began
        time.sleep(self.settle)
        step.after = states(self.engine, self.campaign_id)
        step.errors, step.warnings = self.logs.lines()
        self.steps.append(step)
        print("\n".join(step.lines()), flush=True)
        return step

    def sent(self) -> int:
        return states(self.engine, self.campaign_id).get(DeliveryState.SENT.value, 0)

    def resumed_within(self, seconds: float) -> float | None:
        """Seconds until the sent count grows again, None if it did not within ``seconds``
        or nothing is left to send (the killed worker's rows wait for the reaper)."""
        start, began = self.sent(), time.monotonic()
        while time.monotonic() - began < seconds:
            counts = states(self.engine, self.campaign_id)
            if counts.get(DeliveryState.SENT.value, 0) > start:
                return time.monotonic() - began
            stranded = len(_still_sending(self, self.killed_rows))
            if counts["queued"] + counts["deferred"] + counts["sending"] <= stranded:
                return None
            time.sleep(0.1)
        return None


def signups(run: Run, step: Step) -> None:
    """Hundreds of readers sign up through the public form from several threads."""
    first_sent = run.ledger.snapshot("signup")
    addresses = signup_burst(run.ledger, run.web, 1, run.signups, run.threads)
    sent, statuses, unanswered = run.ledger.snapshot("signup")
    step.notes.append(
        f"signup POSTs: {sent - first_sent[0]} sent, answers {describe(statuses)}, "
        f"no answer {unanswered - first_sent[2]}"
    )
    with run.engine.connect() as connection:
        stored = connection.scalar(
            select(func.count())
            .select_from(Subscriber)
            .where(Subscriber.email.like(f"%@{SIGNUP_DOMAIN}"))
        )
    step.notes.append(
        f"readers stored as pending: {stored} of {len(addresses)} addresses "
        "(joined after the snapshot, so not in this campaign)"
    )


def tracking(run: Run, step: Step) -> None:
    """Open pixels and link clicks with the real tokens of rows already sent."""
    with run.engine.connect() as connection:
        delivery_ids = list(
            connection.scalars(
                select(Delivery.id)
                .where(
                    Delivery.campaign_id == run.campaign_id, Delivery.state == DeliveryState.SENT
                )
                .order_by(Delivery.id)
                .limit(run.tracking_hits)
            )
        )
        issue_id = connection.scalar(
            select(Campaign.issue_id).where(Campaign.id == run.campaign_id)
        )
        positions = list(
            connection.scalars(select(TrackedLink.position).where(TrackedLink.issue_id == issue_id))
        )
        events_before = _tracking_events(connection, run.campaign_id)
    tokens = [run.signer.sign(TokenPurpose.DELIVERY, d) for d in delivery_ids]
    tracking_burst(run.ledger, run.web, tokens, positions, run.threads)
    time.sleep(2.5)  # the web processes write buffered hits about once a second
    with run.engine.connect() as connection:
        events_after = _tracking_events(connection, run.campaign_id)
    for kind in ("open", "click"):
        sent, statuses, unanswered = run.ledger.snapshot(kind)
        stored = events_after[kind] - events_before[kind]
        step.notes.append(
            f"{kind}s: {sent} sent, answers {describe(statuses)}, no answer {unanswered}; "
            f"events stored {stored}"
        )
    step.notes.append(f"tokens of {len(tokens)} sent rows, {len(positions)} links in the issue")


def _tracking_events(connection: object, campaign_id: int) -> dict[str, int]:
    rows = connection.execute(  # type: ignore[attr-defined]
        select(Event.type, func.count())
        .where(Event.campaign_id == campaign_id, Event.type.in_([EventType.OPEN, EventType.CLICK]))
        .group_by(Event.type)
    ).all()
    found = {str(kind): int(n) for kind, n in rows}
    return {"open": found.get("open", 0), "click": found.get("click", 0)}


def kill_worker(run: Run, step: Step) -> None:
    """SIGKILL one worker while it holds claimed rows, start a replacement, and wait for the
    reaper to move the dead worker's rows from ``sending`` to ``in_doubt``."""
    victim = run.workers.pop("worker-1")
    pid = str(victim.popen.pid)
    # Kill at a moment when it has rows in hand, as a crash in the middle of a batch would.
    deadline = time.monotonic() + 20
    held: list[int] = []
    while time.monotonic() < deadline and not held:
        held = _rows_held_by(run, pid)
        if not held:
            time.sleep(0.05)
    victim.popen.kill()
    victim.popen.wait(10)  # reaped: nothing of it can still be talking to SES
    run.dead_pids.add(victim.popen.pid)
    run.killed_wall = utcnow()
    held = _rows_held_by(run, pid) or held
    run.killed_rows = held
    step.notes.append(
        f"SIGKILL worker-1 (pid {pid}) holding {len(held)} rows in sending; exit code "
        f"{victim.popen.returncode}"
    )
    run.workers["worker-3"] = run.stack.start_worker("worker-3", run.worker_env)
    step.notes.append(
        f"replacement worker-3 started (pid {run.workers['worker-3'].popen.pid}); the reaper "
        f"turns the held rows to in_doubt once their lease ({run.lease_seconds:g} s) is over"
    )


def await_reaper(run: Run) -> str:
    """Wait until the killed worker's rows have left ``sending``; say when the reaper moved
    them (from its audit entries) and how many."""
    held = run.killed_rows
    wait_for(
        run.engine,
        run.campaign_id,
        lambda _c: not _still_sending(run, held),
        run.lease_seconds * 2 + 30,
    )
    left = _still_sending(run, held)
    with run.engine.connect() as connection:
        entries = connection.execute(
            select(AuditEntry.at, AuditEntry.detail).where(
                AuditEntry.action == "delivery.in_doubt", AuditEntry.at >= run.killed_wall
            )
        ).all()
    pids = {f":{pid}:" for pid in run.dead_pids}
    moved = [
        (at, int((detail or {}).get("rows", 0)))
        for at, detail in entries
        if any(pid in str((detail or {}).get("worker", "")) for pid in pids)
    ]
    when = (
        f"{(max(at for at, _ in moved) - run.killed_wall).total_seconds():.1f} s after the kill"
        if moved
        else "no audit entry of the reaper"
    )
    with run.engine.connect() as connection:
        in_doubt = connection.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.id.in_(held), Delivery.state == DeliveryState.IN_DOUBT)
        )
    return (
        f"reaper: {in_doubt} of the killed worker's {len(held)} rows in_doubt, {when} "
        f"(lease {run.lease_seconds:g} s); still 'sending': {len(left)}; its audit entries: "
        f"{len(moved)}, saying {sum(n for _, n in moved)} rows"
    )


def _rows_held_by(run: Run, pid: str) -> list[int]:
    with run.engine.connect() as connection:
        return list(
            connection.scalars(
                select(Delivery.id).where(
                    Delivery.campaign_id == run.campaign_id,
                    Delivery.state == DeliveryState.SENDING,
                    Delivery.claimed_by.like(f"%:{pid}:%"),  # host:pid:thread
                )
            )
        )


def _still_sending(run: Run, ids: list[int]) -> list[int]:
    if not ids:
        return []
    with run.engine.connect() as connection:
        return list(
            connection.scalars(
                select(Delivery.id).where(
                    Delivery.id.in_(ids), Delivery.state == DeliveryState.SENDING
                )
            )
        )


def restart_redis(run: Run, step: Step) -> None:
    """Stop Redis (every key lost: no persistence) and start it again on its port."""
    down = run.stack.restart_redis()
    step.notes.append(f"Redis down and back in {down:.2f} s (keys lost: pacing, rate limits)")
    _note_resumption(run, step)


def restart_postgres(run: Run, step: Step) -> None:
    """``pg_ctl restart -m fast``: every connection of every process is cut."""
    began = time.monotonic()
    run.stack.restart_postgres()
    step.notes.append(f"PostgreSQL restarted (-m fast) in {time.monotonic() - began:.2f} s")
    _note_resumption(run, step)


def _note_resumption(run: Run, step: Step) -> None:
    resumed = run.resumed_within(60)
    step.notes.append(
        f"sending resumed {resumed:.1f} s later"
        if resumed is not None
        else "sending did not resume within 60 s (or nothing was left to send)"
    )
