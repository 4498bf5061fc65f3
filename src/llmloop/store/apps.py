"""App versions: one row per immutable spec, unique per app by number and by content hash.

Numbers are handed out as max + 1; the unique constraints turn a lost race into
``ConflictError`` (the caller retries in a new transaction), and the hash constraint makes an
identical spec pushed twice at once end as one version.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

import sqlalchemy.exc
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from llmloop.domain.apps import (
    AppReference,
    AppSpec,
    AppSummary,
    AppVersion,
    parse_app_spec,
    spec_hash,
)
from llmloop.errors import ConflictError, NotFoundError, ValidationError
from llmloop.store.models import Base, ProjectRow

__all__ = ["AppRepository", "AppVersionRow"]


class AppVersionRow(Base):
    """One immutable app version."""

    __tablename__ = "app_versions"
    __table_args__ = (
        UniqueConstraint("project_id", "name", "number"),
        UniqueConstraint("project_id", "name", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    spec: Mapped[dict[str, Any]]
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))


def _missing(name: str, what: str = "") -> NotFoundError:
    return NotFoundError(
        f"app {name!r} has no {what or 'versions'} in this project",
        hint="List apps with `llmloop app list`, or push one with `llmloop app push FILE`.",
    )


class AppRepository:
    """App versions of one project, in one session."""

    def __init__(self, session: Session, project_id: int) -> None:
        self._session = session
        self._project_id = project_id

    def _row(self, row: AppVersionRow) -> AppVersion:
        return AppVersion(
            name=row.name,
            version=row.number,
            content_hash=row.content_hash,
            spec=parse_app_spec(row.spec),
            message=row.message,
            created_at=row.created_at,
            created_by=row.created_by,
        )

    def _query(self, name: str) -> Any:
        return select(AppVersionRow).where(
            AppVersionRow.project_id == self._project_id, AppVersionRow.name == name
        )

    def _lock(self) -> None:
        """Serialise pushes: the project's row on PostgreSQL, the write lock on SQLite."""
        if self._session.get_bind().dialect.name == "sqlite":
            self._session.execute(
                update(ProjectRow).where(ProjectRow.id == self._project_id).values(id=ProjectRow.id)
            )
        else:
            self._session.execute(
                select(ProjectRow.id).where(ProjectRow.id == self._project_id).with_for_update()
            )

    def push(
        self,
        name: str,
        spec: AppSpec,
        *,
        message: str,
        actor: str,
        at: datetime,
    ) -> tuple[AppVersion, bool]:
        """Store *spec* as the next version unless an identical one exists; say which."""
        digest = spec_hash(spec)
        self._lock()
        existing = self._session.scalar(
            self._query(name).where(AppVersionRow.content_hash == digest)
        )
        if existing is not None:
            return self._row(existing), False
        latest = self._session.scalar(
            select(func.max(AppVersionRow.number)).where(
                AppVersionRow.project_id == self._project_id, AppVersionRow.name == name
            )
        )
        row = AppVersionRow(
            project_id=self._project_id,
            name=name,
            number=(latest or 0) + 1,
            kind=spec.kind,
            content_hash=digest,
            spec=spec.model_dump(mode="json"),
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
                f"another push of app {name!r} took version {row.number} first",
                hint="Push again.",
            ) from None
        return self._row(row), True

    def get(self, reference: AppReference) -> AppVersion:
        """The version a reference names: a number, a hash prefix, or the newest."""
        query = self._query(reference.name)
        if reference.version is not None:
            row = self._session.scalar(query.where(AppVersionRow.number == reference.version))
            if row is None:
                raise _missing(reference.name, f"version {reference.version}")
            return self._row(row)
        if reference.hash_prefix is not None:
            rows = self._session.scalars(
                query.where(AppVersionRow.content_hash.startswith(reference.hash_prefix)).limit(2)
            ).all()
            if not rows:
                raise _missing(reference.name, f"version with hash {reference.hash_prefix}")
            if len(rows) > 1:
                raise ValidationError(
                    f"hash prefix {reference.hash_prefix!r} matches several versions of "
                    f"app {reference.name!r}",
                    hint="Give more digits of the hash.",
                )
            return self._row(rows[0])
        row = self._session.scalar(query.order_by(AppVersionRow.number.desc()).limit(1))
        if row is None:
            raise _missing(reference.name)
        return self._row(row)

    def versions(self, name: str) -> builtins.list[AppVersion]:
        """Every version of an app, oldest first."""
        rows = self._session.scalars(self._query(name).order_by(AppVersionRow.number)).all()
        if not rows:
            raise _missing(name)
        return [self._row(row) for row in rows]

    def list(self) -> builtins.list[AppSummary]:
        """Every app with its newest version, by name."""
        newest = (
            select(AppVersionRow.name, func.max(AppVersionRow.number).label("number"))
            .where(AppVersionRow.project_id == self._project_id)
            .group_by(AppVersionRow.name)
            .subquery()
        )
        rows = self._session.scalars(
            select(AppVersionRow)
            .join(
                newest,
                (AppVersionRow.name == newest.c.name) & (AppVersionRow.number == newest.c.number),
            )
            .where(AppVersionRow.project_id == self._project_id)
            .order_by(AppVersionRow.name)
        ).all()
        return [
            AppSummary(
                name=row.name,
                kind=row.kind,
                latest_version=row.number,
                latest_hash=row.content_hash,
                updated_at=row.created_at,
            )
            for row in rows
        ]
