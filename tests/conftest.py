"""Fixtures shared by the whole suite: an isolated database per test, on SQLite and PostgreSQL.

Every test that uses ``app`` runs twice, once per backend. SQLite tests get a fresh copy of a
migrated template file; PostgreSQL tests share one database created for this run (its name
carries the process id, so parallel runs do not meet) and find it emptied before they start.
PostgreSQL is reached through NEWSLETTER_TEST_DATABASE_URL, a URL of the server's maintenance
database; without it the PostgreSQL variants are skipped with that reason.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from newsletter import migrations
from newsletter.app import create_app
from newsletter.demo import seed_topics
from newsletter.extensions import db as database
from newsletter.models import Base
from tests.factories import TEST_PASSWORD, make_staff
from tests.servers import moto_server

PG_ENV = "NEWSLETTER_TEST_DATABASE_URL"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest revision, copied for each test."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database created for this test run on the PostgreSQL server, migrated, then dropped."""
    server = os.environ.get(PG_ENV)
    if not server:
        pytest.skip(f"{PG_ENV} is not set, so the PostgreSQL variant is not run")
    admin_url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"nl_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a configured but unreachable server is a failure, not a skip
        pytest.fail(f"cannot create a test database on {admin_url!r}: {exc}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    migrations.upgrade(url)
    yield url
    database.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """The URL of an empty, migrated database for one test, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "newsletter.sqlite"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_tables(url)
    return url


def _empty_tables(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    """Settings for a test app; tests may change them before asking for ``app``."""
    return {
        "env": "test",
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "base_url": "https://news.example.org",
        "outbox_dir": str(tmp_path / "outbox"),
        "sender": "AI前沿发展日报 <daily@news.example.org>",
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """A configured application on an empty database holding the seeded topics."""
    application = create_app(app_config)
    with application.app_context():
        with database.session_scope() as session:
            seed_topics(session)
        yield application
    database.dispose()


@pytest.fixture
def session(app: Flask) -> Session:
    """The session of the test's application context."""
    return database.session


class IsolatedClient(FlaskClient):
    """A test client whose every request gets an application context of its own.

    The ``app`` fixture keeps one application context open for the whole test, and Flask
    would reuse it for every request, so ``g`` (the chosen language, the signed-in user, the
    CSRF token, the request's database session) would carry over from one request to the
    next. In production each request has its own; so does each request here.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser on https, like readers and staff behind the production proxy."""
    app.test_client_class = IsolatedClient
    test_client = app.test_client()
    test_client.environ_base["wsgi.url_scheme"] = "https"
    # Flask-WTF checks on https that a form was posted from this site, as browsers say.
    test_client.environ_base["HTTP_REFERER"] = "https://localhost/"
    return test_client


class StaffClient:
    """Signs staff in and out of a test client through the real login form."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = TEST_PASSWORD) -> Any:
        page = self.client.get("/admin/login")
        token = csrf_token(page.get_data(as_text=True))
        return self.client.post(
            "/admin/login",
            data={"email": email, "password": password, "csrf_token": token},
        )


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    marker = 'name="csrf_token" type="hidden" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.fixture
def staff(client: FlaskClient) -> StaffClient:
    return StaffClient(client)


@pytest.fixture
def admin_user(session: Session) -> Any:
    user = make_staff(session, "admin@news.example.org", ["admin"])
    session.commit()
    return user


@pytest.fixture
def editor_user(session: Session) -> Any:
    user = make_staff(session, "editor@news.example.org", ["editor"])
    session.commit()
    return user


@pytest.fixture
def operator_user(session: Session) -> Any:
    user = make_staff(session, "operator@news.example.org", ["operator"])
    session.commit()
    return user


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto's server on a free loopback port, for the whole session."""
    with moto_server() as url:
        yield url


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials for boto3's default chain that only moto accepts; no profile, no IMDS."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def moto(moto_url: str, aws_env: None) -> str:
    """moto's server with an empty account, and credentials for it."""
    requests.post(f"{moto_url}/moto-api/reset", timeout=5)
    return moto_url
