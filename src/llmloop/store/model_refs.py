"""Model references: one row per name in a project; a name is added once and never changes."""

from __future__ import annotations

import builtins
from datetime import datetime

import sqlalchemy.exc
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from llmloop.domain.model_refs import ModelRef, ModelRefSpec
from llmloop.errors import ConflictError, NotFoundError
from llmloop.store.models import Base

__all__ = ["ModelRefRepository", "ModelRefRow"]


class ModelRefRow(Base):
    """One model reference."""

    __tablename__ = "model_refs"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    provider: Mapped[str] = mapped_column(String(100))
    provider_model: Mapped[str] = mapped_column(String(300))
    base_model: Mapped[str | None] = mapped_column(String(300))
    training_data: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))


def _model_ref(row: ModelRefRow) -> ModelRef:
    return ModelRef(
        name=row.name,
        provider=row.provider,
        provider_model=row.provider_model,
        base_model=row.base_model,
        training_data=row.training_data,
        notes=row.notes,
        created_at=row.created_at,
        created_by=row.created_by,
    )


class ModelRefRepository:
    """Model references of one project, in one session."""

    def __init__(self, session: Session, project_id: int) -> None:
        self._session = session
        self._project_id = project_id

    def add(self, name: str, spec: ModelRefSpec, *, actor: str, at: datetime) -> ModelRef:
        """Store a new reference; an existing name is a ``ConflictError``."""
        if self._find(name) is not None:
            raise _exists(name)
        row = ModelRefRow(
            project_id=self._project_id,
            name=name,
            provider=spec.provider,
            provider_model=spec.provider_model,
            base_model=spec.base_model,
            training_data=spec.training_data,
            notes=spec.notes,
            created_at=at,
            created_by=actor,
        )
        self._session.add(row)
        try:
            self._session.flush()
        except sqlalchemy.exc.IntegrityError:
            # a concurrent add of the same name won the race
            raise _exists(name) from None
        return _model_ref(row)

    def list(self) -> builtins.list[ModelRef]:
        """Every reference of the project, by name."""
        rows = self._session.scalars(
            select(ModelRefRow)
            .where(ModelRefRow.project_id == self._project_id)
            .order_by(ModelRefRow.name)
        )
        return [_model_ref(row) for row in rows]

    def get(self, name: str) -> ModelRef:
        """The reference named *name*, or ``NotFoundError``."""
        row = self._find(name)
        if row is None:
            raise NotFoundError(
                f"model reference {name!r} does not exist in this project",
                hint="List them with `llmloop model list`, or add one with `llmloop model add`.",
            )
        return _model_ref(row)

    def _find(self, name: str) -> ModelRefRow | None:
        return self._session.scalar(
            select(ModelRefRow).where(
                ModelRefRow.project_id == self._project_id, ModelRefRow.name == name
            )
        )


def _exists(name: str) -> ConflictError:
    return ConflictError(
        f"model reference {name!r} already exists",
        hint="A name always means one model: add the new model under a new name.",
    )
