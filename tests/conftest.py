"""Shared fixtures: one dialect fixture (SQLite and PostgreSQL), a clock, live servers, clients.

PostgreSQL tests use the throwaway cluster that `scripts/test` starts and names in
``LLMLOOP_TEST_POSTGRES_URL``. Without it they are skipped, unless ``LLMLOOP_REQUIRE_POSTGRES=1``
(set in CI), where a missing cluster fails the run instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from llmloop.client.http import HttpClient
from llmloop.client.local import LocalClient
from llmloop.client.protocols import Client
from llmloop.domain.clock import ManualClock
from llmloop.domain.projects import KeyScope, Principal
from llmloop.server.app import create_app
from llmloop.server.run import ServerThread
from llmloop.settings import Settings, load_settings
from llmloop.store.database import Database
from llmloop.store.schema import metadata

POSTGRES_URL_ENV = "LLMLOOP_TEST_POSTGRES_URL"
DIALECTS = ("sqlite", "postgresql")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's llmloop settings or writes to the working folder."""
    for name in list(os.environ):
        if name.startswith("LLMLOOP_") and name not in (
            POSTGRES_URL_ENV,
            "LLMLOOP_REQUIRE_POSTGRES",
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LLMLOOP_CONFIG", str(tmp_path / "no-llmloop.yaml"))
    monkeypatch.setenv("LLMLOOP_HOME", str(tmp_path / "home"))


def _postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        return url
    if os.environ.get("LLMLOOP_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{POSTGRES_URL_ENV} is not set but LLMLOOP_REQUIRE_POSTGRES=1")
    pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_ENV} (scripts/test sets it)")


def create_postgres_database() -> str:
    """Create an empty database on the test cluster; return its SQLAlchemy URL."""
    admin = make_url(_postgres_admin_url())
    name = f"llmloop_test_{uuid.uuid4().hex[:12]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False
    )


def drop_postgres_database(url: str) -> None:
    """Drop a database made by :func:`create_postgres_database`."""
    admin = make_url(_postgres_admin_url())
    name = make_url(url).database
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _postgres_shared_url() -> Iterator[str]:
    """One migrated PostgreSQL database per test process, emptied after every test."""
    url = create_postgres_database()
    database = Database(url)
    database.upgrade()
    database.close()
    yield url
    drop_postgres_database(url)


def _empty_postgres(url: str) -> None:
    database = Database(url, auto_migrate=False)
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    database.close()


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    """Every store test runs once on SQLite and once on PostgreSQL."""
    return str(request.param)


@pytest.fixture
def database_url(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated, empty store of the current dialect."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = str(request.getfixturevalue("_postgres_shared_url"))
    yield url
    _empty_postgres(url)


@pytest.fixture
def fresh_database_url(dialect: str, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all, for migration tests."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The store, ready to use."""
    db = Database(database_url)
    db.ensure_ready()
    yield db
    db.close()


@pytest.fixture
def clock() -> ManualClock:
    """Simulated time, moved only by the test."""
    return ManualClock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings pointing at the test store."""
    return load_settings(home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def local_admin(database: Database, clock: ManualClock) -> LocalClient:
    """The embedded user's client (an admin) working in project 'default'."""
    client = LocalClient(
        database, Principal(actor="local:test", project="default", admin=True), clock=clock
    )
    client.ensure_project()
    return client


@pytest.fixture
def server(settings: Settings, database: Database, clock: ManualClock) -> Iterator[ServerThread]:
    """A real llmloop server on loopback over the test store."""
    with ServerThread(create_app(settings, database=database, clock=clock)) as running:
        yield running


@pytest.fixture
def http_client_for(server: ServerThread) -> Iterator[Callable[[str], HttpClient]]:
    """Make HTTP clients for given API keys; all are closed after the test."""
    made: list[HttpClient] = []

    def make(secret: str) -> HttpClient:
        client = HttpClient.from_settings(load_settings(server_url=server.url, api_key=secret))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture(params=("local", "http"))
def admin_client(request: pytest.FixtureRequest, local_admin: LocalClient) -> Client:
    """An admin client, embedded or over HTTP: contract tests run against both."""
    if request.param == "local":
        return local_admin
    secret = local_admin.keys.create("test-admin", scope=KeyScope.ADMIN).secret
    make = request.getfixturevalue("http_client_for")
    client: Client = make(secret)
    return client


@pytest.fixture(params=("local", "http"))
def project_client(request: pytest.FixtureRequest, local_admin: LocalClient) -> Client:
    """A client of project 'default' with no admin rights, embedded or over HTTP."""
    if request.param == "local":
        return LocalClient(
            local_admin.context.database,
            Principal(actor="local:member", project="default", admin=False),
            clock=local_admin.context.clock,
        )
    secret = local_admin.keys.create("test-member", project="default").secret
    make = request.getfixturevalue("http_client_for")
    client: Client = make(secret)
    return client
