"""Prompt registry tables and their repository: prompts, versions, labels and label history.

Version numbers are handed out under a lock on the prompt's row (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite a no-op write first takes the database's write lock), and the unique
constraint on
``(prompt_id, number)`` backs that up: a writer that loses a race gets ``ConflictError`` and
the caller retries, so numbers are never duplicated or skipped.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

import sqlalchemy.exc
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from llmloop.domain.prompts import (
    LabelEvent,
    PromptContent,
    PromptSummary,
    PromptVersion,
    content_hash,
)
from llmloop.errors import ConflictError, NotFoundError
from llmloop.store.models import Base

__all__ = [
    "PromptLabelEventRow",
    "PromptLabelRow",
    "PromptRepository",
    "PromptRow",
    "PromptVersionRow",
]


class PromptRow(Base):
    """A prompt of a project; ``latest_version`` is 0 until the first version is stored."""

    __tablename__ = "prompts"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    latest_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PromptVersionRow(Base):
    """One immutable version."""

    __tablename__ = "prompt_versions"
    __table_args__ = (UniqueConstraint("prompt_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    number: Mapped[int]
    content: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))


class PromptLabelRow(Base):
    """A label: a named pointer at one version number of the prompt."""

    __tablename__ = "prompt_labels"
    __table_args__ = (UniqueConstraint("prompt_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(200))


class PromptLabelEventRow(Base):
    """A label was set, moved or deleted: the label's history, kept forever."""

    __tablename__ = "prompt_label_events"
    __table_args__ = (Index("ix_prompt_label_events_prompt_id_id", "prompt_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(100))
    from_version: Mapped[int | None]
    to_version: Mapped[int | None]
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    protected: Mapped[bool] = mapped_column(default=False)


def _missing_prompt(name: str) -> NotFoundError:
    return NotFoundError(
        f"prompt {name!r} does not exist in this project",
        hint="List prompts with `llmloop prompt list`, or push one with `llmloop prompt push`.",
    )


class PromptRepository:
    """Prompts of one project, in one session."""

    def __init__(self, session: Session, project_id: int) -> None:
        self._session = session
        self._project_id = project_id

    # -- prompts ----------------------------------------------------------------------

    def find_row(self, name: str, *, lock: bool = False) -> PromptRow | None:
        """The prompt's row, or None; ``lock`` holds it until the transaction ends."""
        query = select(PromptRow).where(
            PromptRow.project_id == self._project_id, PromptRow.name == name
        )
        if lock:
            self._take_write_lock(name)
            query = query.with_for_update()
        return self._session.scalar(query)

    def get_row(self, name: str, *, lock: bool = False) -> PromptRow:
        """The prompt's row, or ``NotFoundError``."""
        row = self.find_row(name, lock=lock)
        if row is None:
            raise _missing_prompt(name)
        return row

    def _take_write_lock(self, name: str) -> None:
        """On SQLite, take the database's write lock before reading what a change depends on.

        SQLite ignores ``FOR UPDATE``. A no-op UPDATE as the transaction's first write takes
        the write lock (waiting out the busy timeout), so concurrent pushes and label moves
        queue up instead of all reading the same state and losing the race to change it.
        """
        if self._session.get_bind().dialect.name != "sqlite":
            return
        self._session.execute(
            update(PromptRow)
            .where(PromptRow.project_id == self._project_id, PromptRow.name == name)
            .values(latest_version=PromptRow.latest_version)
        )

    def _ensure_row(self, name: str, at: datetime) -> PromptRow:
        """The prompt's row, locked, made if it does not exist yet."""
        row = self.find_row(name, lock=True)
        if row is not None:
            return row
        try:
            with self._session.begin_nested():
                row = PromptRow(
                    project_id=self._project_id,
                    name=name,
                    latest_version=0,
                    created_at=at,
                    updated_at=at,
                )
                self._session.add(row)
                self._session.flush()
        except sqlalchemy.exc.IntegrityError:
            # Another writer made it first; take theirs, under the lock.
            return self.get_row(name, lock=True)
        return row

    def list(self) -> list[PromptSummary]:
        """Every prompt of the project that has a version, by name."""
        rows = self._session.scalars(
            select(PromptRow)
            .where(PromptRow.project_id == self._project_id, PromptRow.latest_version > 0)
            .order_by(PromptRow.name)
        ).all()
        labels: dict[int, dict[str, int]] = {row.id: {} for row in rows}
        if rows:
            for label in self._session.scalars(
                select(PromptLabelRow)
                .where(PromptLabelRow.prompt_id.in_(labels))
                .order_by(PromptLabelRow.name)
            ):
                labels[label.prompt_id][label.name] = label.version
        return [
            PromptSummary(
                name=row.name,
                latest_version=row.latest_version,
                labels=labels[row.id],
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]

    # -- versions ---------------------------------------------------------------------

    def _labels_by_version(self, prompt: PromptRow) -> dict[int, builtins.list[str]]:
        found: dict[int, builtins.list[str]] = {}
        for label in self._session.scalars(
            select(PromptLabelRow)
            .where(PromptLabelRow.prompt_id == prompt.id)
            .order_by(PromptLabelRow.name)
        ):
            found.setdefault(label.version, []).append(label.name)
        return found

    def _version(
        self, prompt: PromptRow, row: PromptVersionRow, labels: dict[int, builtins.list[str]]
    ) -> PromptVersion:
        return PromptVersion(
            name=prompt.name,
            version=row.number,
            content=PromptContent.model_validate(row.content),
            content_hash=row.content_hash,
            message=row.message,
            created_at=row.created_at,
            created_by=row.created_by,
            labels=labels.get(row.number, []),
        )

    def push(
        self, name: str, content: PromptContent, *, message: str, actor: str, at: datetime
    ) -> tuple[PromptVersion, bool]:
        """Store *content* as the next version unless it equals the latest one.

        Returns the version and whether it was made. Raises ``ConflictError`` if another
        writer took the number first (the caller retries in a new transaction).
        """
        prompt = self._ensure_row(name, at)
        digest = content_hash(content)
        if prompt.latest_version:
            latest = self._version_row(prompt, prompt.latest_version)
            if latest.content_hash == digest:
                return self._version(prompt, latest, self._labels_by_version(prompt)), False
        row = PromptVersionRow(
            prompt_id=prompt.id,
            number=prompt.latest_version + 1,
            content=content.model_dump(mode="json"),
            content_hash=digest,
            message=message,
            created_at=at,
            created_by=actor,
        )
        try:
            with self._session.begin_nested():
                self._session.add(row)
                self._session.flush()
        except sqlalchemy.exc.IntegrityError:
            raise ConflictError(
                f"another push of prompt {name!r} took version {row.number} first",
                hint="Push again.",
            ) from None
        prompt.latest_version = row.number
        prompt.updated_at = at
        self._session.flush()
        return self._version(prompt, row, self._labels_by_version(prompt)), True

    def _version_row(self, prompt: PromptRow, number: int) -> PromptVersionRow:
        row = self._session.scalar(
            select(PromptVersionRow).where(
                PromptVersionRow.prompt_id == prompt.id, PromptVersionRow.number == number
            )
        )
        if row is None:
            raise NotFoundError(
                f"prompt {prompt.name!r} has no version {number} "
                f"(its newest is {prompt.latest_version})",
                hint=f"List versions with `llmloop prompt versions {prompt.name}`.",
            )
        return row

    def get_version(self, name: str, number: int | None = None) -> PromptVersion:
        """Version *number* of the prompt (the newest when None)."""
        prompt = self.get_row(name)
        if not prompt.latest_version:
            raise _missing_prompt(name)
        row = self._version_row(prompt, number or prompt.latest_version)
        return self._version(prompt, row, self._labels_by_version(prompt))

    def versions(self, name: str) -> builtins.list[PromptVersion]:
        """Every version of the prompt, oldest first."""
        prompt = self.get_row(name)
        labels = self._labels_by_version(prompt)
        rows = self._session.scalars(
            select(PromptVersionRow)
            .where(PromptVersionRow.prompt_id == prompt.id)
            .order_by(PromptVersionRow.number)
        )
        return [self._version(prompt, row, labels) for row in rows]

    # -- labels -----------------------------------------------------------------------

    def label_row(self, prompt: PromptRow, label: str) -> PromptLabelRow | None:
        """The label's row, or None."""
        return self._session.scalar(
            select(PromptLabelRow).where(
                PromptLabelRow.prompt_id == prompt.id, PromptLabelRow.name == label
            )
        )

    def resolve_label(self, name: str, label: str) -> PromptVersion:
        """The version *label* points at."""
        prompt = self.get_row(name)
        row = self.label_row(prompt, label)
        if row is None:
            raise NotFoundError(
                f"prompt {name!r} has no label {label!r}",
                hint=f"Set it with `llmloop prompt label {name}@VERSION {label}`.",
            )
        return self.get_version(name, row.version)

    def require_version(self, prompt: PromptRow, number: int) -> None:
        """Raise ``NotFoundError`` unless the prompt has version *number*."""
        self._version_row(prompt, number)

    def write_label(
        self,
        prompt: PromptRow,
        label: str,
        version: int | None,
        *,
        actor: str,
        at: datetime,
        reason: str,
        protected: bool,
    ) -> LabelEvent:
        """Point *label* at *version* (delete it for None) and append the history event."""
        row = self.label_row(prompt, label)
        before = row.version if row is not None else None
        if version is None:
            if row is not None:
                self._session.delete(row)
        elif row is None:
            self._session.add(
                PromptLabelRow(
                    prompt_id=prompt.id,
                    name=label,
                    version=version,
                    updated_at=at,
                    updated_by=actor,
                )
            )
        else:
            row.version, row.updated_at, row.updated_by = version, at, actor
        event = PromptLabelEventRow(
            prompt_id=prompt.id,
            label=label,
            from_version=before,
            to_version=version,
            at=at,
            actor=actor,
            reason=reason,
            protected=protected,
        )
        self._session.add(event)
        prompt.updated_at = at
        self._session.flush()
        return self._event(prompt, event)

    def _event(self, prompt: PromptRow, row: PromptLabelEventRow) -> LabelEvent:
        return LabelEvent(
            prompt=prompt.name,
            label=row.label,
            from_version=row.from_version,
            to_version=row.to_version,
            at=row.at,
            actor=row.actor,
            reason=row.reason,
            protected=row.protected,
        )

    def history(self, name: str, *, label: str | None = None) -> builtins.list[LabelEvent]:
        """The prompt's label events (of one label when given), newest first."""
        prompt = self.get_row(name)
        query = select(PromptLabelEventRow).where(PromptLabelEventRow.prompt_id == prompt.id)
        if label is not None:
            query = query.where(PromptLabelEventRow.label == label)
        rows = self._session.scalars(query.order_by(PromptLabelEventRow.id.desc()))
        return [self._event(prompt, row) for row in rows]
