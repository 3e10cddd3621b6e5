"""The database: one engine per process, one session per request, command or job.

Domain functions take a :class:`~sqlalchemy.orm.Session` and only add and flush; the boundary
(a view, a CLI command, a job) commits once. In a request the session lives on the application
context and is closed when it ends; background threads and jobs open their own with
:meth:`Database.session_scope`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, g
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
_SESSION_KEY = "newsletter_db_session"


class Database:
    """The engine and session factory of one application."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._factory: sessionmaker[Session] | None = None

    def init_app(self, app: Flask) -> None:
        """Create the engine from the app's settings and close sessions after each request."""
        url = make_url(app.config["NEWSLETTER"].database_url)
        self.configure(url)
        app.extensions["newsletter.database"] = self
        app.teardown_appcontext(self._close_request_session)

    def configure(self, url: URL | str) -> None:
        """Point this object at a database (used by the app factory and by tools)."""
        url = make_url(url)
        self.dispose()
        if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        self._engine = create_engine(url, **_engine_options(url))
        self._factory = sessionmaker(self._engine, expire_on_commit=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the database is not configured; call init_app first")
        return self._engine

    @property
    def dialect(self) -> str:
        """``postgresql`` or ``sqlite``: the few places that differ ask this."""
        return self.engine.dialect.name

    @property
    def session(self) -> Session:
        """The session of the current request or app context, created on first use."""
        session: Session | None = g.get(_SESSION_KEY)
        if session is None:
            session = self.new_session()
            setattr(g, _SESSION_KEY, session)
        return session

    def new_session(self) -> Session:
        """A fresh session that the caller owns and closes."""
        if self._factory is None:
            raise RuntimeError("the database is not configured; call init_app first")
        return self._factory()

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session for a job or thread: committed on success, rolled back on error."""
        session = self.new_session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        """Run a trivial query; raises if the database cannot be reached."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Drop pooled connections (after fork, or at shutdown)."""
        if self._engine is not None:
            self._engine.dispose()

    @staticmethod
    def _close_request_session(_exc: BaseException | None) -> None:
        discard_request_session(g)


def discard_request_session(namespace: Any) -> None:
    """Roll back and close the request's session if it has one (its connection may be lost:
    closing then still returns or invalidates it, it never raises for that)."""
    session: Session | None = namespace.pop(_SESSION_KEY, None)
    if session is None:
        return
    try:
        session.rollback()
    except Exception:  # a lost connection cannot roll back; close() still drops it
        log.debug("rollback of a broken session failed", exc_info=True)
    session.close()


def _engine_options(url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # The web app and the sender threads of `newsletter run` share the file, so sessions
        # are used across threads and writers wait for each other instead of failing at once.
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Make SQLite enforce foreign keys and let readers run while one thread writes."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
