"""The store: migrations, single head, dialect set-up and errors that name the problem."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from llmloop.errors import ConfigurationError, SchemaVersionError, StoreUnavailableError
from llmloop.store import database as database_module
from llmloop.store.database import Database, normalise_url, redact_url


def test_migrations_have_exactly_one_head() -> None:
    script = ScriptDirectory(str(Path(database_module.__file__).parent / "migrations"))
    assert len(script.get_heads()) == 1


def test_first_use_migrates_an_empty_database(fresh_database_url: str) -> None:
    db = Database(fresh_database_url)
    assert db.current_revision() is None
    with db.session() as session:
        assert session.execute(text("SELECT count(*) FROM projects")).scalar_one() == 0
    assert db.current_revision() == db.head_revision()
    db.close()


def test_upgrade_reports_before_and_after(fresh_database_url: str) -> None:
    db = Database(fresh_database_url)
    assert db.upgrade() == (None, db.head_revision())
    assert db.upgrade() == (db.head_revision(), db.head_revision())
    db.close()


def test_a_database_from_a_newer_llmloop_is_refused_and_left_alone(
    fresh_database_url: str,
) -> None:
    database = Database(fresh_database_url)
    database.upgrade()
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    newer = Database(str(database.url.render_as_string(hide_password=False)))
    with pytest.raises(SchemaVersionError, match="newer llmloop") as caught:
        newer.ensure_ready()
    assert "Upgrade llmloop" in str(caught.value)
    with pytest.raises(SchemaVersionError):
        newer.upgrade()
    with database.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version"))
        assert version.scalar_one() == "9999_future"
    newer.close()
    database.close()


def test_without_auto_migrate_an_old_schema_asks_for_db_upgrade(fresh_database_url: str) -> None:
    db = Database(fresh_database_url, auto_migrate=False)
    with pytest.raises(SchemaVersionError, match="llmloop db upgrade"):
        db.ensure_ready()
    db.close()


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_sqlite_runs_in_wal_mode_with_foreign_keys(database: Database) -> None:
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_unreachable_database_names_it_without_the_password() -> None:
    db = Database("postgresql://llmloop:s3cret-pw@127.0.0.1:1/nowhere")
    with pytest.raises(StoreUnavailableError) as caught:
        db.ensure_ready()
    message = str(caught.value)
    assert "127.0.0.1:1/nowhere" in message
    assert "s3cret-pw" not in message
    assert "LLMLOOP_DATABASE_URL" in message


def test_postgresql_urls_use_psycopg_3() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_unsupported_or_malformed_urls_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigurationError):
        normalise_url(url)


def test_redacted_urls_hide_passwords() -> None:
    assert "pw" not in redact_url("postgresql://user:pw@host/db")


def test_stores_first_used_by_many_threads_at_once_migrate_once(fresh_database_url: str) -> None:
    # The CLI's client and the SDK exporter's client are separate Database objects on one
    # store; both migrate on first use. Alembic's module loading is not thread-safe and SQLite
    # runs each DDL statement on its own, so without a lock they interleave and fail.
    databases = [Database(fresh_database_url) for _ in range(4)]
    start = threading.Barrier(len(databases))
    errors: list[BaseException] = []

    def first_use(database: Database) -> None:
        start.wait(timeout=30)
        try:
            with database.session() as session:
                session.execute(text("SELECT count(*) FROM scores"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=first_use, args=(db,)) for db in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert {db.current_revision() for db in databases} == {databases[0].head_revision()}
    finally:
        for database in databases:
            database.close()
