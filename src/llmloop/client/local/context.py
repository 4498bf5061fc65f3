"""What every embedded resource client shares: the store, the clock and who is acting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from llmloop.domain.clock import Clock
from llmloop.domain.projects import Principal
from llmloop.domain.prompts import DEFAULT_PROTECTED_LABELS
from llmloop.errors import NotFoundError, PermissionDeniedError
from llmloop.store.audit import AuditLog
from llmloop.store.database import Database
from llmloop.store.projects import ProjectRepository

__all__ = ["LocalContext"]


@dataclass(frozen=True)
class LocalContext:
    """The store, the clock and the principal; resource clients check access through it."""

    database: Database
    clock: Clock
    principal: Principal
    protected_labels: frozenset[str] = DEFAULT_PROTECTED_LABELS

    def now(self) -> datetime:
        """The injected clock's time."""
        return self.clock.now()

    def require_admin(self, action: str) -> None:
        """Raise ``PermissionDeniedError`` unless the principal is an admin."""
        if not self.principal.admin:
            raise PermissionDeniedError(
                f"this API key may not {action}",
                hint="Use an admin key (`llmloop key create --admin`) for this.",
            )

    def project_name(self, name: str | None) -> str:
        """The project meant by *name* (the principal's own when None), if it is visible."""
        if name is None:
            if self.principal.project is None:
                raise NotFoundError(
                    "this key has no project of its own",
                    hint="Name the project explicitly, e.g. --project support.",
                )
            return self.principal.project
        if not self.principal.admin and name != self.principal.project:
            # Other projects are invisible, not forbidden: their names do not leak.
            raise NotFoundError(
                f"project {name!r} does not exist",
                hint="A project key sees only its own project.",
            )
        return name

    def project_id(self, session: Session, name: str | None = None) -> int:
        """The id of a visible project (the principal's own when *name* is None)."""
        return ProjectRepository(session).get_row(self.project_name(name)).id

    def audit(
        self,
        session: Session,
        *,
        project_id: int | None,
        action: str,
        target: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Record a change in the audit log, in the same transaction as the change."""
        AuditLog(session).record(
            project_id=project_id,
            at=self.now(),
            actor=self.principal.actor,
            action=action,
            target=target,
            details=details,
        )
