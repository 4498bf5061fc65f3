"""One handle on the store: the engine, sessions, and migrations applied on first use."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy.exc
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from llmloop.errors import (
    ConfigurationError,
    LlmloopError,
    SchemaVersionError,
    StoreUnavailableError,
)

__all__ = ["Database", "normalise_url", "redact_url"]

_MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number works; every llmloop process agrees on it, so migrations never run twice.
_MIGRATION_LOCK_ID = 7_245_031_119
# Alembic loads env.py and the migration files as modules, which is not thread-safe, and one
# process may hold several Database objects on one store (the CLI's and the SDK exporter's)
# that migrate on first use at the same moment: migrations in a process run one at a time.
_PROCESS_MIGRATION_LOCK = threading.RLock()
_WAL_SWITCH_LOCK = threading.Lock()


@contextmanager
def _sqlite_migration_lock(url: URL) -> Iterator[None]:
    """Serialise migrations of one SQLite file across processes (PostgreSQL has an advisory lock).

    SQLite runs each DDL statement in its own transaction here, so two processes migrating
    the same file would interleave; an exclusive lock on a file beside it orders them.
    """
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    try:
        import fcntl
    except ImportError:  # Windows: one process at a time is the user's to ensure
        yield
        return
    with open(f"{database}.migrate-lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def redact_url(url: str | URL) -> str:
    """Return *url* with its password hidden, safe for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sqlalchemy.exc.ArgumentError:
        return "<unparseable database URL>"


def normalise_url(url: str) -> URL:
    """Parse a database URL, choosing psycopg 3 for PostgreSQL; raise on unsupported ones."""
    try:
        parsed = make_url(url)
    except sqlalchemy.exc.ArgumentError:
        raise ConfigurationError(
            "the database URL could not be parsed",
            hint="Use sqlite:///path/to/file.db or postgresql://user:password@host/dbname "
            "in LLMLOOP_DATABASE_URL.",
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed
    raise ConfigurationError(
        f"database {redact_url(parsed)} uses {backend!r}, which llmloop does not support",
        hint="Use SQLite (the default) or PostgreSQL.",
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=10000")
        # WAL is a property of the file, so only the first connection switches it. Switching
        # fails at once ("database is locked", no busy wait) while another connection of this
        # process switches too, so the switches take turns.
        if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            with _WAL_SWITCH_LOCK:
                cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


class Database:
    """The store: make sessions with :meth:`session`; the schema is migrated on first use."""

    def __init__(self, url: str, *, auto_migrate: bool = True, pool_size: int = 10) -> None:
        self.url = normalise_url(url)
        self.dialect = self.url.get_backend_name()
        self._auto_migrate = auto_migrate
        self._ready = False
        self._ready_lock = threading.Lock()
        self.engine = self._create_engine(pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _create_engine(self, pool_size: int) -> Engine:
        if self.dialect == "sqlite":
            database = self.url.database
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                self.url,
                connect_args={"check_same_thread": False, "timeout": 10},
                pool_size=pool_size,
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 5},
        )

    @property
    def redacted_url(self) -> str:
        """The URL with its password hidden."""
        return redact_url(self.url)

    # -- migrations -------------------------------------------------------------------

    def _alembic_config(self, connection: Connection) -> Config:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.attributes["connection"] = connection
        return config

    def head_revision(self) -> str:
        """The newest migration this version of llmloop knows."""
        with _PROCESS_MIGRATION_LOCK:
            head = ScriptDirectory(str(_MIGRATIONS)).get_current_head()
        assert head is not None, "llmloop ships at least one migration"
        return head

    def current_revision(self) -> str | None:
        """The migration the database is at (None for an empty database)."""
        with self._translate_errors(), self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def upgrade(self) -> tuple[str | None, str]:
        """Apply pending migrations; return ``(from_revision, to_revision)``."""
        from alembic import command

        with (
            _PROCESS_MIGRATION_LOCK,
            self._file_lock(),
            self._translate_errors(),
            self.engine.begin() as connection,
        ):
            if self.dialect == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID}
                )
            before = MigrationContext.configure(connection).get_current_revision()
            self._refuse_unknown_revision(before)
            if before != self.head_revision():
                command.upgrade(self._alembic_config(connection), "head")
        self._ready = True
        return before, self.head_revision()

    def _file_lock(self) -> Any:
        if self.dialect == "sqlite":
            return _sqlite_migration_lock(self.url)
        return nullcontext()

    def _refuse_unknown_revision(self, revision: str | None) -> None:
        if revision is None:
            return
        try:
            with _PROCESS_MIGRATION_LOCK:
                ScriptDirectory(str(_MIGRATIONS)).get_revision(revision)
        except Exception:
            raise SchemaVersionError(
                f"the database at {self.redacted_url} was written by a newer llmloop "
                f"(schema revision {revision!r} is unknown to this version)",
                hint="Upgrade llmloop (pip install -U llmloop); nothing was changed.",
            ) from None

    def ensure_ready(self) -> None:
        """Migrate on first use (when allowed) and check the schema is one this code knows."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            current = self.current_revision()
            self._refuse_unknown_revision(current)
            if current != self.head_revision():
                if not self._auto_migrate:
                    raise SchemaVersionError(
                        f"the database at {self.redacted_url} is at schema revision "
                        f"{current!r}, not the current {self.head_revision()!r}",
                        hint="Run `llmloop db upgrade`.",
                    )
                self.upgrade()
            self._ready = True

    # -- sessions ---------------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        self.ensure_ready()
        with self._translate_errors(), self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except LlmloopError:
            raise
        except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError) as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:300]
            raise StoreUnavailableError(
                f"the database at {self.redacted_url} could not be used: {reason}",
                hint="Check that the database server is running and LLMLOOP_DATABASE_URL "
                "is right; nothing was changed.",
            ) from None

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
