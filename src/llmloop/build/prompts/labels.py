"""Moving a label: the one place that decides whether a label may change, and records it.

A *protected* label (``production`` by default) is what users get, so moving or deleting it is
a deployment: it needs a reason and is written to the audit log with who, when, from, to and
why. Every label change, protected or not, is kept in the label's history. The evaluation
stage adds its gate check here, so every path that changes a label must go through
:func:`move_label`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from llmloop.domain.prompts import LabelEvent, validate_label_name
from llmloop.errors import NotFoundError, ValidationError
from llmloop.store.audit import AuditLog
from llmloop.store.prompts import PromptRepository

__all__ = ["LabelMove", "move_label"]


@dataclass(frozen=True)
class LabelMove:
    """A request to point *label* of *prompt* at *version*, or to delete it (None)."""

    prompt: str
    label: str
    version: int | None
    reason: str = ""


def move_label(
    session: Session,
    move: LabelMove,
    *,
    project_id: int,
    actor: str,
    at: datetime,
    protected_labels: Collection[str],
) -> LabelEvent:
    """Apply *move* in *session* after checking it; nothing changes if a check fails."""
    validate_label_name(move.label)
    reason = move.reason.strip()
    protected = move.label in protected_labels
    if protected and not reason:
        raise ValidationError(
            f"label {move.label!r} is protected: moving it is a deployment and needs a reason",
            hint="Say why, e.g. --reason 'v4 passed the support eval'.",
        )
    prompts = PromptRepository(session, project_id)
    # The lock serialises label moves of one prompt, so history records true from/to pairs.
    prompt = prompts.get_row(move.prompt, lock=True)
    current = prompts.label_row(prompt, move.label)
    if move.version is None and current is None:
        raise NotFoundError(
            f"prompt {move.prompt!r} has no label {move.label!r} to delete",
            hint=f"See its labels with `llmloop prompt show {move.prompt}`.",
        )
    if move.version is not None:
        prompts.require_version(prompt, move.version)
    event = prompts.write_label(
        prompt,
        move.label,
        move.version,
        actor=actor,
        at=at,
        reason=reason,
        protected=protected,
    )
    if protected:
        AuditLog(session).record(
            project_id=project_id,
            at=at,
            actor=actor,
            action="label.delete" if move.version is None else "label.move",
            target=f"{move.prompt}:{move.label}",
            details={
                "from_version": event.from_version,
                "to_version": event.to_version,
                "reason": reason,
            },
        )
    return event
