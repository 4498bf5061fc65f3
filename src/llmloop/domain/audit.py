"""Audit events: who did what to a key, a release, a protected label, a flag or a gate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AuditEvent"]


class AuditEvent(BaseModel):
    """One recorded change."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    actor: str = Field(description="Who did it: a key id, 'local:<user>' or 'system'.")
    action: str = Field(description="What was done, e.g. 'key.revoke' or 'label.move'.")
    target: str = Field(description="What it was done to, e.g. 'support-bot:production'.")
    details: dict[str, Any] = Field(default_factory=dict)
