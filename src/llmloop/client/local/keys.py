"""API keys in the embedded store."""

from __future__ import annotations

from sqlalchemy.orm import Session

from llmloop.client.local.context import LocalContext
from llmloop.domain.names import validate_name
from llmloop.domain.projects import ApiKeyInfo, CreatedApiKey, KeyScope
from llmloop.errors import ValidationError
from llmloop.store.projects import ApiKeyRepository

__all__ = ["LocalKeys"]


class LocalKeys:
    """``KeysClient`` over the embedded store."""

    def __init__(self, context: LocalContext) -> None:
        self._ctx = context

    def _scope_project(self, session: Session, project: str | None, scope: KeyScope) -> int | None:
        if scope is KeyScope.ADMIN:
            if project is not None:
                raise ValidationError(
                    "admin keys belong to no project",
                    hint="Leave out the project when you make or list admin keys.",
                )
            self._ctx.require_admin("manage admin keys")
            return None
        return self._ctx.project_id(session, project)

    def create(
        self, name: str, *, project: str | None = None, scope: KeyScope = KeyScope.PROJECT
    ) -> CreatedApiKey:
        """Make a key (admin only)."""
        self._ctx.require_admin("create API keys")
        validate_name(name, what="key")
        with self._ctx.database.session() as session:
            project_id = self._scope_project(session, project, scope)
            created = ApiKeyRepository(session).create(
                project_id=project_id, name=name, scope=scope, at=self._ctx.now()
            )
            self._ctx.audit(
                session,
                project_id=project_id,
                action="key.create",
                target=created.info.key_id,
                details={"name": name, "scope": scope.value},
            )
        return created

    def list(
        self, *, project: str | None = None, scope: KeyScope = KeyScope.PROJECT
    ) -> list[ApiKeyInfo]:
        """List keys of a visible project, or the admin keys (admin only)."""
        with self._ctx.database.session() as session:
            project_id = self._scope_project(session, project, scope)
            return ApiKeyRepository(session).list(project_id=project_id)

    def revoke(
        self, key_id: str, *, project: str | None = None, scope: KeyScope = KeyScope.PROJECT
    ) -> ApiKeyInfo:
        """Revoke a key (admin only)."""
        self._ctx.require_admin("revoke API keys")
        with self._ctx.database.session() as session:
            project_id = self._scope_project(session, project, scope)
            info = ApiKeyRepository(session).revoke(
                key_id, project_id=project_id, at=self._ctx.now()
            )
            self._ctx.audit(session, project_id=project_id, action="key.revoke", target=key_id)
        return info
