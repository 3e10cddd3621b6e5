"""Exactly one scheduler at a time, however many processes run one.

On PostgreSQL the scheduler holds a session-level advisory lock on a connection it keeps for
as long as it is the scheduler: if the process dies, the server ends the session and frees
the lock at once. On SQLite, which has no such lock, a row in ``leases`` with an expiry is
renewed every pass, and another process takes over once it has lapsed. Both keep that row
current, so ``/metrics`` and operators see who schedules and until when.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Protocol

from sqlalchemy import Connection, delete, or_, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from newsletter.database import Database
from newsletter.models import Lease, utcnow
from newsletter.tracking.rows import affected_rows

log = logging.getLogger(__name__)

SCHEDULER_LEASE = "scheduler"
#: The advisory lock's key: any 64-bit number no other feature uses ("NLSCHED" in ASCII).
ADVISORY_KEY = 0x4E4C5343484544


class SchedulerLock(Protocol):
    """Decides which process schedules; ``hold`` is asked before every pass."""

    holder: str

    def hold(self) -> bool:
        """Take the lock or keep it; True while this process is the scheduler."""
        ...

    def release(self) -> None:
        """Let another process take over (at shutdown)."""
        ...


def take_lease(
    session: Session,
    name: str,
    holder: str,
    ttl: dt.timedelta,
    *,
    now: dt.datetime | None = None,
    force: bool = False,
) -> bool:
    """Take or renew lease ``name`` for ``holder``; True when ``holder`` has it now.

    It is taken when free, lapsed or already ``holder``'s; ``force`` takes it regardless
    (for a holder whose right comes from elsewhere, the advisory lock).
    """
    now = now or utcnow()
    statement = update(Lease).where(Lease.name == name)
    if not force:
        statement = statement.where(or_(Lease.holder == holder, Lease.expires_at < now))
    result = session.execute(
        statement.values(holder=holder, expires_at=now + ttl).execution_options(
            synchronize_session=False
        )
    )
    if affected_rows(result) == 1:
        return True
    if session.get(Lease, name) is not None:
        return False
    try:
        with session.begin_nested():  # two processes may both find no row
            session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:
        return False
    return True


def release_lease(session: Session, name: str, holder: str) -> None:
    """Give up lease ``name`` if ``holder`` has it."""
    session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


class LeaseLock:
    """The scheduler's lease row decides (SQLite, or any database without advisory locks)."""

    def __init__(self, database: Database, holder: str, ttl: dt.timedelta) -> None:
        self.database = database
        self.holder = holder
        self.ttl = ttl

    def hold(self) -> bool:
        """Take or renew the lease; False while another live process has it."""
        with self.database.session_scope() as session:
            return take_lease(session, SCHEDULER_LEASE, self.holder, self.ttl)

    def release(self) -> None:
        """Delete the lease row so another process need not wait for it to lapse."""
        with self.database.session_scope() as session:
            release_lease(session, SCHEDULER_LEASE, self.holder)


class AdvisoryLock:
    """PostgreSQL's ``pg_try_advisory_lock`` on a connection kept while it is held."""

    def __init__(self, database: Database, holder: str, ttl: dt.timedelta) -> None:
        self.database = database
        self.holder = holder
        self.ttl = ttl
        self._connection: Connection | None = None

    def hold(self) -> bool:
        """Keep the lock (checking its connection still lives) or try to take it."""
        if self._connection is not None and not self._alive(self._connection):
            log.warning("scheduler %s lost its database connection and the lock", self.holder)
            self._close()
        if self._connection is None:
            connection = self.database.engine.connect()
            got = connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
            )
            connection.commit()  # the lock outlives transactions; leave none open
            if not got:
                connection.close()
                return False
            self._connection = connection
            log.info("scheduler %s took the advisory lock", self.holder)
        with self.database.session_scope() as session:
            take_lease(session, SCHEDULER_LEASE, self.holder, self.ttl, force=True)
        return True

    def release(self) -> None:
        """Unlock and close the lock's connection; the lease row goes too."""
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            self._connection.commit()
            with self.database.session_scope() as session:
                release_lease(session, SCHEDULER_LEASE, self.holder)
        finally:
            self._close()

    @staticmethod
    def _alive(connection: Connection) -> bool:
        try:
            connection.execute(text("SELECT 1"))
            connection.commit()
        except DBAPIError:
            return False
        return True

    def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):  # already gone with the server's session
                self._connection.close()
            self._connection = None
