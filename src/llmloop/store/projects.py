"""Repositories for projects and API keys."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy.exc
from sqlalchemy import select
from sqlalchemy.orm import Session

from llmloop.domain.projects import (
    ApiKeyInfo,
    CreatedApiKey,
    KeyScope,
    Project,
    digest_api_key,
    generate_api_key,
)
from llmloop.errors import ConflictError, NotFoundError
from llmloop.store.models import ApiKeyRow, ProjectRow

__all__ = ["ApiKeyRepository", "ProjectRepository"]


def _project(row: ProjectRow) -> Project:
    return Project(name=row.name, description=row.description, created_at=row.created_at)


class ProjectRepository:
    """Projects in one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def create(self, name: str, description: str, *, at: datetime) -> tuple[int, Project]:
        """Insert a project; raise ``ConflictError`` if the name is taken."""
        row = ProjectRow(name=name, description=description, created_at=at)
        try:
            with self._session.begin_nested():
                self._session.add(row)
                self._session.flush()
        except sqlalchemy.exc.IntegrityError:
            raise ConflictError(
                f"project {name!r} already exists", hint="Choose another name."
            ) from None
        return row.id, _project(row)

    def find_row(self, name: str) -> ProjectRow | None:
        """Return the project's row, or None."""
        return self._session.scalar(select(ProjectRow).where(ProjectRow.name == name))

    def get_row(self, name: str) -> ProjectRow:
        """Return the project's row or raise ``NotFoundError``."""
        row = self.find_row(name)
        if row is None:
            raise NotFoundError(
                f"project {name!r} does not exist",
                hint="List projects with `llmloop project list`, or create it with "
                "`llmloop project create`.",
            )
        return row

    def get(self, name: str) -> Project:
        """Return one project."""
        return _project(self.get_row(name))

    def list(self) -> list[Project]:
        """Return every project, by name."""
        return [_project(r) for r in self._session.scalars(select(ProjectRow).order_by("name"))]

    def ensure(self, name: str, *, at: datetime) -> int:
        """Return the project's id, creating the project if it does not exist."""
        row = self.find_row(name)
        if row is not None:
            return row.id
        try:
            project_id, _ = self.create(name, "", at=at)
        except ConflictError:
            # Another writer created it between our read and our insert.
            return self.get_row(name).id
        return project_id


class ApiKeyRepository:
    """API keys in one session; secrets are digested before they are stored."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _info(self, row: ApiKeyRow) -> ApiKeyInfo:
        project = self._session.get(ProjectRow, row.project_id) if row.project_id else None
        return ApiKeyInfo(
            key_id=row.key_id,
            name=row.name,
            scope=KeyScope(row.scope),
            project=project.name if project else None,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )

    def create(
        self, *, project_id: int | None, name: str, scope: KeyScope, at: datetime
    ) -> CreatedApiKey:
        """Make a key and return it with its secret (the only time the secret exists)."""
        key_id, secret = generate_api_key()
        row = ApiKeyRow(
            key_id=key_id,
            digest=digest_api_key(secret),
            name=name,
            scope=scope.value,
            project_id=project_id,
            created_at=at,
        )
        self._session.add(row)
        self._session.flush()
        return CreatedApiKey(info=self._info(row), secret=secret)

    def list(self, *, project_id: int | None) -> list[ApiKeyInfo]:
        """Return the keys of a project (or the admin keys for None), oldest first."""
        rows = self._session.scalars(
            select(ApiKeyRow)
            .where(
                ApiKeyRow.project_id.is_(None)
                if project_id is None
                else ApiKeyRow.project_id == project_id
            )
            .order_by(ApiKeyRow.created_at, ApiKeyRow.id)
        )
        return [self._info(row) for row in rows]

    def get_row(self, key_id: str, *, project_id: int | None) -> ApiKeyRow:
        """Return a key of the given project, or raise ``NotFoundError``."""
        row = self._session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id))
        if row is None or row.project_id != project_id:
            raise NotFoundError(
                f"API key {key_id!r} does not exist in this project",
                hint="List keys with `llmloop key list`.",
            )
        return row

    def revoke(self, key_id: str, *, project_id: int | None, at: datetime) -> ApiKeyInfo:
        """Revoke a key (revoking twice keeps the first time)."""
        row = self.get_row(key_id, project_id=project_id)
        if row.revoked_at is None:
            row.revoked_at = at
        return self._info(row)

    def authenticate(self, secret: str) -> ApiKeyInfo | None:
        """Return the active key whose secret this is, or None."""
        row = self._session.scalar(
            select(ApiKeyRow).where(ApiKeyRow.digest == digest_api_key(secret))
        )
        if row is None or row.revoked_at is not None:
            return None
        return self._info(row)
