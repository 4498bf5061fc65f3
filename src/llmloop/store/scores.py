"""Score tables: scores on traces and spans, and per-project score configs.

``scores`` holds every judgement of a trace (or one of its spans): human labels, end-user
feedback, evaluator results. The trace need not be ingested yet (feedback often arrives before
the trace's spans). Idempotent writes rest on the unique ``(project_id, idempotency_key)``.
``score_configs`` says what a named score must look like (type, range, categories).
"""

from __future__ import annotations

import base64
import binascii
import builtins
import json
import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from llmloop.domain.scores import (
    Score,
    ScoreConfig,
    ScoreConfigSpec,
    ScoreDataType,
    ScoreInput,
    ScorePage,
    ScoreQuery,
    ScoreSource,
)
from llmloop.errors import ConflictError, NotFoundError, ValidationError
from llmloop.store.models import Base

__all__ = [
    "ScoreConfigRepository",
    "ScoreConfigRow",
    "ScoreRepository",
    "ScoreRow",
    "score_from_row",
]

# SQLite's rowid alias must be INTEGER; PostgreSQL needs 64 bits for a busy score table.
_BigId = BigInteger().with_variant(Integer(), "sqlite")


class ScoreRow(Base):
    """One score of a trace or span."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("project_id", "score_id"),
        UniqueConstraint("project_id", "idempotency_key"),
        Index("ix_scores_project_trace_name", "project_id", "trace_id", "name"),
        Index("ix_scores_project_name_created", "project_id", "name", "created_at"),
        # Listings without a name (all scores; one source, e.g. user feedback) walk these.
        Index("ix_scores_project_created", "project_id", "created_at"),
        Index("ix_scores_project_source_created", "project_id", "source", "created_at"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    score_id: Mapped[str] = mapped_column(String(32))
    trace_id: Mapped[str] = mapped_column(String(32))
    span_id: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    data_type: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    string_value: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime]


class ScoreConfigRow(Base):
    """What a named score must look like in one project."""

    __tablename__ = "score_configs"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    data_type: Mapped[str] = mapped_column(String(16))
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    categories: Mapped[list[str] | None] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(200))


_SCORES = cast(Table, ScoreRow.__table__)


def score_from_row(row: ScoreRow) -> Score:
    """The public :class:`Score` of a ``scores`` row."""
    return Score(
        score_id=row.score_id,
        trace_id=row.trace_id,
        span_id=row.span_id,
        name=row.name,
        data_type=ScoreDataType(row.data_type),
        value=row.value,
        string_value=row.string_value,
        source=ScoreSource(row.source),
        comment=row.comment,
        author=row.author,
        idempotency_key=row.idempotency_key,
        metadata=row.metadata_,
        created_at=row.created_at,
    )


def _stored_values(score: ScoreInput) -> tuple[float | None, str | None]:
    """``(value, string_value)`` as the table keeps them."""
    if isinstance(score.value, bool):
        return (1.0 if score.value else 0.0), ("true" if score.value else "false")
    if isinstance(score.value, str):
        return None, score.value
    return float(score.value), None


def _encode_cursor(row: ScoreRow) -> str:
    raw = json.dumps([row.created_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, row_id = json.loads(raw)
        at = datetime.fromisoformat(created)
        if at.tzinfo is None or not isinstance(row_id, int):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ValidationError(
            "cursor: is not a cursor this server issued",
            hint="Pass next_cursor from the previous page unchanged, or leave it out.",
        ) from None
    return at, row_id


class ScoreRepository:
    """Scores of one project, in one session."""

    def __init__(self, session: Session, project_id: int) -> None:
        self._session = session
        self._project_id = project_id

    def add(self, score: ScoreInput, *, author: str, at: datetime) -> Score:
        """Store *score* (its data type settled); a known idempotency key returns the first.

        The insert is ``ON CONFLICT DO NOTHING``, so concurrent retries with one key store one
        row on both dialects without an aborted transaction; the loser reads the winner's row.
        """
        assert score.data_type is not None
        value, string_value = _stored_values(score)
        values: dict[str, Any] = {
            "project_id": self._project_id,
            "score_id": uuid.uuid4().hex,
            "trace_id": score.trace_id,
            "span_id": score.span_id,
            "name": score.name,
            "data_type": score.data_type.value,
            "value": value,
            "string_value": string_value,
            "source": score.source.value,
            "comment": score.comment,
            "author": author,
            "idempotency_key": score.idempotency_key,
            "metadata": score.metadata,
            "created_at": at,
        }
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(_SCORES).values(**values).on_conflict_do_nothing().returning(_SCORES.c.id)
        )
        inserted = self._session.execute(statement).scalar()
        if inserted is not None:
            row = self._session.get(ScoreRow, inserted)
            assert row is not None
            return score_from_row(row)
        existing = self._by_idempotency_key(score.idempotency_key)
        if existing is None:
            # Only a public-id collision could get here (uuid4: practically never).
            raise ConflictError(
                "the score could not be stored: its id collided", hint="Send it again."
            )
        first = score_from_row(existing)
        if _same_request(first, score, value, string_value, author):
            return first
        raise ConflictError(
            f"idempotency key {score.idempotency_key!r} was already used for a different score "
            f"({first.score_id})",
            hint="Use a new idempotency key for a new score; reuse a key only to retry the "
            "same request.",
        )

    def get(self, score_id: str) -> Score:
        """The score *score_id*, or ``NotFoundError``."""
        row = self._session.scalar(
            select(ScoreRow).where(
                ScoreRow.project_id == self._project_id, ScoreRow.score_id == score_id
            )
        )
        if row is None:
            raise NotFoundError(
                f"score {score_id!r} does not exist in this project",
                hint="List scores with `llmloop scores list`.",
            )
        return score_from_row(row)

    def list(self, query: ScoreQuery) -> ScorePage:
        """One page of matching scores, newest first (keyset pagination on created_at, id)."""
        statement: Select[ScoreRow] = select(ScoreRow).where(
            ScoreRow.project_id == self._project_id
        )
        if query.trace_id is not None:
            statement = statement.where(ScoreRow.trace_id == query.trace_id)
        if query.span_id is not None:
            statement = statement.where(ScoreRow.span_id == query.span_id)
        if query.name is not None:
            statement = statement.where(ScoreRow.name == query.name)
        if query.source is not None:
            statement = statement.where(ScoreRow.source == query.source.value)
        if query.start is not None:
            statement = statement.where(ScoreRow.created_at >= query.start)
        if query.end is not None:
            statement = statement.where(ScoreRow.created_at < query.end)
        if query.cursor is not None:
            at, row_id = _decode_cursor(query.cursor)
            statement = statement.where(
                or_(
                    ScoreRow.created_at < at,
                    and_(ScoreRow.created_at == at, ScoreRow.id < row_id),
                )
            )
        rows = builtins.list(
            self._session.scalars(
                statement.order_by(ScoreRow.created_at.desc(), ScoreRow.id.desc()).limit(
                    query.limit + 1
                )
            )
        )
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        return ScorePage(
            items=[score_from_row(row) for row in rows],
            next_cursor=_encode_cursor(rows[-1]) if more else None,
        )

    def _by_idempotency_key(self, key: str | None) -> ScoreRow | None:
        if key is None:
            return None
        return self._session.scalar(
            select(ScoreRow).where(
                ScoreRow.project_id == self._project_id, ScoreRow.idempotency_key == key
            )
        )


def _same_request(
    first: Score, score: ScoreInput, value: float | None, string_value: str | None, author: str
) -> bool:
    """Whether a retry asks for exactly what the first request stored."""
    return (
        first.trace_id == score.trace_id
        and first.span_id == score.span_id
        and first.name == score.name
        and first.data_type is score.data_type
        and first.value == value
        and first.string_value == string_value
        and first.source is score.source
        and first.comment == score.comment
        and first.metadata == score.metadata
        and first.author == author
    )


def _config(row: ScoreConfigRow) -> ScoreConfig:
    return ScoreConfig(
        name=row.name,
        data_type=ScoreDataType(row.data_type),
        min_value=row.min_value,
        max_value=row.max_value,
        categories=row.categories,
        description=row.description,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


class ScoreConfigRepository:
    """Score configs of one project, in one session."""

    def __init__(self, session: Session, project_id: int) -> None:
        self._session = session
        self._project_id = project_id

    def set(self, name: str, spec: ScoreConfigSpec, *, actor: str, at: datetime) -> ScoreConfig:
        """Create or replace the config of *name*."""
        row = self.find(name)
        if row is None:
            row = ScoreConfigRow(project_id=self._project_id, name=name, created_at=at)
            self._session.add(row)
        row.data_type = spec.data_type.value
        row.min_value = spec.min_value
        row.max_value = spec.max_value
        row.categories = builtins.list(spec.categories) if spec.categories is not None else None
        row.description = spec.description
        row.updated_at = at
        row.updated_by = actor
        self._session.flush()
        return _config(row)

    def list(self) -> builtins.list[ScoreConfig]:
        """Every config of the project, by name."""
        rows = self._session.scalars(
            select(ScoreConfigRow)
            .where(ScoreConfigRow.project_id == self._project_id)
            .order_by(ScoreConfigRow.name)
        )
        return [_config(row) for row in rows]

    def get(self, name: str) -> ScoreConfig:
        """The config of *name*, or ``NotFoundError``."""
        row = self.find(name)
        if row is None:
            raise NotFoundError(
                f"score config {name!r} does not exist in this project",
                hint="List them with `llmloop score-config list`; add one with "
                "`llmloop score-config set`.",
            )
        return _config(row)

    def spec(self, name: str) -> ScoreConfigSpec | None:
        """What the config of *name* demands, or None if the name has no config."""
        row = self.find(name)
        return None if row is None else _config(row)

    def find(self, name: str) -> ScoreConfigRow | None:
        """The row of *name*'s config, if any."""
        return self._session.scalar(
            select(ScoreConfigRow).where(
                ScoreConfigRow.project_id == self._project_id, ScoreConfigRow.name == name
            )
        )
