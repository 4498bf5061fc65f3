"""Trace tables and their writer: one summary row per trace, kept apart from span bodies.

``traces`` is what listings read: small rows, indexed by ``(project_id, start_time)`` and by
the filters (app and version, environment, session, user, status) each followed by the start
time, so "newest traces of X" is one index range scan. ``spans`` holds the bodies (inputs,
outputs, raw attributes), read one trace at a time through its unique key.

Writes are idempotent and safe under concurrency: spans go in with ``INSERT ... ON CONFLICT
DO NOTHING RETURNING`` (a span received twice is stored once, and only the new ones come back),
and each trace's summary is merged with ``INSERT ... ON CONFLICT DO UPDATE`` whose expressions
add counts and widen the time range. Two batches of one trace, in any order or at the same
time, therefore leave the same summary as one batch holding both.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    case,
    func,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from llmloop.store.models import Base
from llmloop.store.types import UtcDateTime

__all__ = ["SUMMARY_COLUMNS", "SpanRow", "TraceRow", "TraceWriter"]

# SQLite's rowid alias must be INTEGER; PostgreSQL needs 64 bits for a busy span table.
_BigId = BigInteger().with_variant(Integer(), "sqlite")


class TraceRow(Base):
    """The summary of one trace: what listing and filtering read."""

    __tablename__ = "traces"
    __table_args__ = (
        UniqueConstraint("project_id", "trace_id"),
        Index("ix_traces_project_start", "project_id", "start_time"),
        Index("ix_traces_project_app_start", "project_id", "app", "app_version", "start_time"),
        Index("ix_traces_project_environment_start", "project_id", "environment", "start_time"),
        Index("ix_traces_project_session_start", "project_id", "session_id", "start_time"),
        Index("ix_traces_project_user_start", "project_id", "user_id", "start_time"),
        Index("ix_traces_project_status_start", "project_id", "status", "start_time"),
        # Added by migration 0007 for trace queries (app alone, variant, duration/cost sorts).
        Index("ix_traces_project_app_only_start", "project_id", "app", "start_time"),
        Index("ix_traces_project_variant_start", "project_id", "variant", "start_time"),
        Index("ix_traces_project_duration", "project_id", "duration_ms"),
        Index("ix_traces_project_cost", "project_id", "cost_usd"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    trace_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str | None] = mapped_column(String(16))
    has_root: Mapped[bool] = mapped_column(Boolean, default=False)
    app: Mapped[str | None] = mapped_column(String(200))
    app_version: Mapped[str | None] = mapped_column(String(200))
    environment: Mapped[str | None] = mapped_column(String(200))
    variant: Mapped[str | None] = mapped_column(String(200))
    rollout_step: Mapped[int | None]
    session_id: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    start_time: Mapped[datetime]
    end_time: Mapped[datetime]
    start_ns: Mapped[int] = mapped_column(BigInteger)
    end_ns: Mapped[int] = mapped_column(BigInteger)
    duration_ms: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(8))
    span_count: Mapped[int]
    error_count: Mapped[int]
    input_tokens: Mapped[int] = mapped_column(BigInteger)
    output_tokens: Mapped[int] = mapped_column(BigInteger)
    total_tokens: Mapped[int] = mapped_column(BigInteger)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    unpriced_span_count: Mapped[int]
    input_preview: Mapped[str | None] = mapped_column(Text)
    output_preview: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class SpanRow(Base):
    """One span: mapped fields, the (possibly cut) input and output, and the raw attributes."""

    __tablename__ = "spans"
    __table_args__ = (
        UniqueConstraint("project_id", "trace_id", "span_id"),
        Index("ix_spans_project_start", "project_id", "start_time"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    trace_id: Mapped[str] = mapped_column(String(32))
    span_id: Mapped[str] = mapped_column(String(16))
    parent_span_id: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16))
    otel_kind: Mapped[int] = mapped_column(SmallInteger)
    scope: Mapped[str | None] = mapped_column(String(200))
    start_time: Mapped[datetime]
    end_time: Mapped[datetime]
    duration_ms: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(8))
    status_message: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(100))
    input_tokens: Mapped[int | None] = mapped_column(BigInteger)
    output_tokens: Mapped[int | None] = mapped_column(BigInteger)
    total_tokens: Mapped[int | None] = mapped_column(BigInteger)
    cache_read_tokens: Mapped[int | None] = mapped_column(BigInteger)
    cache_write_tokens: Mapped[int | None] = mapped_column(BigInteger)
    reasoning_tokens: Mapped[int | None] = mapped_column(BigInteger)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    cost_source: Mapped[str | None] = mapped_column(String(16))
    app: Mapped[str | None] = mapped_column(String(200))
    app_version: Mapped[str | None] = mapped_column(String(200))
    environment: Mapped[str | None] = mapped_column(String(200))
    variant: Mapped[str | None] = mapped_column(String(200))
    rollout_step: Mapped[int | None]
    session_id: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    input: Mapped[str | None] = mapped_column(Text)
    output: Mapped[str | None] = mapped_column(Text)
    input_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    output_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    truncation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    resource_attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    events: Mapped[list[Any]] = mapped_column(JSON, default=list)
    links: Mapped[list[Any]] = mapped_column(JSON, default=list)
    conventions_version: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime]


#: The columns of a trace-summary row as :class:`TraceWriter` merges them.
SUMMARY_COLUMNS = tuple(column.name for column in TraceRow.__table__.columns if column.name != "id")
_ADDED = (
    "span_count",
    "error_count",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "unpriced_span_count",
)
_ROOT_DECIDES = ("name", "kind", "input_preview", "output_preview", "tags")
_ROOT_FIRST = (
    "app",
    "app_version",
    "environment",
    "variant",
    "rollout_step",
    "session_id",
    "user_id",
)


_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite


def _converter(column: Column[Any], dialect: str) -> Callable[[Any], Any] | None:
    """How a value of *column* goes to the driver, as SQLAlchemy's bind processing would."""
    if isinstance(column.type, UtcDateTime):
        if dialect == "sqlite":
            return lambda value: value.astimezone(UTC).strftime(_SQLITE_DATETIME)
        return lambda value: value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(column.type, JSON):
        return _json_text
    if isinstance(column.type, Boolean) and dialect == "sqlite":
        return int
    return None


def _json_text(value: Any) -> str:
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class _DriverStatement:
    """A statement compiled once, executed with the driver's own ``executemany``.

    Bulk span inserts spend most of their time in per-row bind processing and, on
    PostgreSQL, in re-parsing a huge multi-row ``VALUES`` statement; the driver's own batching
    (sqlite3's statement cache, psycopg's pipeline mode) does the same work far faster.
    """

    sql: str
    positional: tuple[str, ...] | None
    constants: dict[str, Any]
    converters: tuple[tuple[str, Callable[[Any], Any]], ...]

    @classmethod
    def compile(cls, statement: Any, table: Table, dialect: Dialect) -> _DriverStatement:
        compiled = statement.compile(dialect=dialect)
        columns = {column.name for column in table.columns}
        constants = {k: v for k, v in compiled.params.items() if k not in columns}
        converters = tuple(
            (column.name, converter)
            for column in table.columns
            if (converter := _converter(column, dialect.name)) is not None
        )
        positional = tuple(compiled.positiontup) if compiled.positional else None
        return cls(str(compiled), positional, constants, converters)

    def parameters(self, row: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = {**self.constants, **row}
        for name, convert in self.converters:
            value = values.get(name)
            if value is not None:
                values[name] = convert(value)
        if self.positional is None:
            return values
        return tuple(values[name] for name in self.positional)


def _all_binds(table: Table) -> dict[str, Any]:
    return {column.name: bindparam(column.name) for column in table.columns if column.name != "id"}


_COMPILED: dict[tuple[str, str], _DriverStatement] = {}
_COMPILED_LOCK = threading.Lock()


class TraceWriter:
    """Stores spans and keeps their traces' summaries up to date, in the caller's session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    def _insert(self, table: Any) -> Any:
        module = postgresql if self.dialect == "postgresql" else sqlite
        return module.insert(table)

    def _compiled(self, name: str, build: Callable[[], Any], table: Table) -> _DriverStatement:
        key = (self.dialect, name)
        with _COMPILED_LOCK:
            found = _COMPILED.get(key)
            if found is None:
                dialect = self.session.get_bind().dialect
                found = _COMPILED[key] = _DriverStatement.compile(build(), table, dialect)
        return found

    def _driver_cursor(self) -> Any:
        return self.session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]

    def insert_spans(self, rows: Sequence[dict[str, Any]]) -> set[tuple[str, str]]:
        """Insert span rows; return the ``(trace_id, span_id)`` of those that were new."""
        if not rows:
            return set()
        table = cast(Table, SpanRow.__table__)
        statement = self._compiled(
            "insert_spans",
            lambda: (
                self._insert(table)
                .values(_all_binds(table))
                .on_conflict_do_nothing(index_elements=["project_id", "trace_id", "span_id"])
                .returning(table.c.trace_id, table.c.span_id)
            ),
            table,
        )
        cursor = self._driver_cursor()
        inserted: set[tuple[str, str]] = set()
        try:
            if self.dialect == "postgresql":
                cursor.executemany(
                    statement.sql, [statement.parameters(row) for row in rows], returning=True
                )
                while True:
                    inserted.update(cursor.fetchall())
                    if not cursor.nextset():
                        break
            else:
                for row in rows:
                    cursor.execute(statement.sql, statement.parameters(row))
                    inserted.update(cursor.fetchall())
        finally:
            cursor.close()
        return {(str(trace_id), str(span_id)) for trace_id, span_id in inserted}

    def merge_summaries(self, summaries: Sequence[dict[str, Any]]) -> None:
        """Add each batch summary (one per trace, all :data:`SUMMARY_COLUMNS`) to its trace."""
        if not summaries:
            return
        table = cast(Table, TraceRow.__table__)
        statement = self._compiled("merge_summaries", lambda: self._summary_upsert(table), table)
        cursor = self._driver_cursor()
        try:
            cursor.executemany(statement.sql, [statement.parameters(row) for row in summaries])
        finally:
            cursor.close()

    def _summary_upsert(self, table: Table) -> Any:
        statement = self._insert(table).values(_all_binds(table))
        new = statement.excluded
        old = table.c
        earlier = new.start_ns < old.start_ns
        later = new.end_ns > old.end_ns
        start_ns = case((earlier, new.start_ns), else_=old.start_ns)
        end_ns = case((later, new.end_ns), else_=old.end_ns)
        merged: dict[str, Any] = {name: old[name] + new[name] for name in _ADDED}
        merged |= {
            "start_ns": start_ns,
            "end_ns": end_ns,
            "start_time": case((earlier, new.start_time), else_=old.start_time),
            "end_time": case((later, new.end_time), else_=old.end_time),
            "duration_ms": (end_ns - start_ns) / 1_000_000.0,
            "status": case((old.error_count + new.error_count > 0, "error"), else_="ok"),
            # NULL means "no priced span yet": unknown stays unknown, never zero.
            "cost_usd": func.coalesce(old.cost_usd + new.cost_usd, old.cost_usd, new.cost_usd),
            "has_root": case((new.has_root, True), else_=old.has_root),
            "updated_at": new.updated_at,
        }
        for name in _ROOT_DECIDES:
            merged[name] = case(
                (new.has_root, new[name]),
                (old.has_root, old[name]),
                else_=func.coalesce(old[name], new[name]),
            )
        for name in _ROOT_FIRST:
            merged[name] = case(
                (new.has_root, func.coalesce(new[name], old[name])),
                else_=func.coalesce(old[name], new[name]),
            )
        return statement.on_conflict_do_update(
            index_elements=["project_id", "trace_id"], set_=merged
        )
