"""The audit log: an append-only record of who changed what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from llmloop.domain.audit import AuditEvent
from llmloop.store.models import AuditEventRow

__all__ = ["AuditLog"]


class AuditLog:
    """Appends and reads audit events in one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(
        self,
        *,
        project_id: int | None,
        at: datetime,
        actor: str,
        action: str,
        target: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append one event; it commits with the change it describes."""
        self._session.add(
            AuditEventRow(
                project_id=project_id,
                at=at,
                actor=actor,
                action=action,
                target=target,
                details=details or {},
            )
        )

    def list(self, *, project_id: int | None, limit: int = 100) -> list[AuditEvent]:
        """Return a project's newest events first."""
        rows = self._session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.project_id == project_id)
            .order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc())
            .limit(limit)
        )
        return [
            AuditEvent(
                at=row.at,
                actor=row.actor,
                action=row.action,
                target=row.target,
                details=row.details,
            )
            for row in rows
        ]
