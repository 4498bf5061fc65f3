"""Prompts in the embedded store."""

from __future__ import annotations

import builtins

from llmloop.build.prompts.labels import LabelMove, move_label
from llmloop.build.prompts.rendering import check_templates
from llmloop.client.local.context import LocalContext
from llmloop.domain.names import validate_name
from llmloop.domain.prompts import (
    LabelEvent,
    PromptContent,
    PromptSummary,
    PromptVersion,
    PushResult,
    validate_label_name,
)
from llmloop.errors import ConflictError, ValidationError
from llmloop.store.prompts import PromptRepository

__all__ = ["LocalPrompts"]

# A push that loses the race for a version number retries with the next one; with the row
# lock this only happens on SQLite, and a handful of attempts covers any realistic contention.
_PUSH_ATTEMPTS = 20


class LocalPrompts:
    """``PromptsClient`` over the embedded store; members of a project may push and label."""

    def __init__(self, context: LocalContext) -> None:
        self._ctx = context

    def push(self, name: str, content: PromptContent, *, message: str = "") -> PushResult:
        """Store *content* as the next version, unless it equals the newest one."""
        validate_name(name, what="prompt")
        check_templates(content)
        for attempt in range(_PUSH_ATTEMPTS):
            try:
                with self._ctx.database.session() as session:
                    project_id = self._ctx.project_id(session)
                    version, created = PromptRepository(session, project_id).push(
                        name,
                        content,
                        message=message,
                        actor=self._ctx.principal.actor,
                        at=self._ctx.now(),
                    )
                return PushResult(version=version, created=created)
            except ConflictError:
                if attempt == _PUSH_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def list(self) -> list[PromptSummary]:
        """Every prompt with its newest version and labels."""
        with self._ctx.database.session() as session:
            return PromptRepository(session, self._ctx.project_id(session)).list()

    def get(
        self, name: str, *, version: int | None = None, label: str | None = None
    ) -> PromptVersion:
        """One version: by number, by label ('latest' is the newest), or the newest."""
        if version is not None and label is not None:
            raise ValidationError(
                "give a version or a label, not both",
                hint="Use NAME@VERSION or NAME:LABEL.",
            )
        if version is not None and version < 1:
            raise ValidationError(
                f"version {version} is not a positive whole number", hint="Versions start at 1."
            )
        with self._ctx.database.session() as session:
            prompts = PromptRepository(session, self._ctx.project_id(session))
            if label is not None and label != "latest":
                return prompts.resolve_label(name, validate_label_name(label))
            return prompts.get_version(name, version)

    def versions(self, name: str) -> builtins.list[PromptVersion]:
        """Every version of a prompt, oldest first."""
        with self._ctx.database.session() as session:
            return PromptRepository(session, self._ctx.project_id(session)).versions(name)

    def _move(self, move: LabelMove) -> LabelEvent:
        with self._ctx.database.session() as session:
            return move_label(
                session,
                move,
                project_id=self._ctx.project_id(session),
                actor=self._ctx.principal.actor,
                at=self._ctx.now(),
                protected_labels=self._ctx.protected_labels,
            )

    def set_label(self, name: str, label: str, version: int, *, reason: str = "") -> LabelEvent:
        """Point *label* at *version*; protected labels need a reason and are audited."""
        return self._move(LabelMove(name, label, version, reason))

    def delete_label(self, name: str, label: str, *, reason: str = "") -> LabelEvent:
        """Remove *label*; protected labels need a reason and are audited."""
        return self._move(LabelMove(name, label, None, reason))

    def history(self, name: str, *, label: str | None = None) -> builtins.list[LabelEvent]:
        """Every label change of a prompt (of one label when given), newest first."""
        with self._ctx.database.session() as session:
            return PromptRepository(session, self._ctx.project_id(session)).history(
                name, label=label
            )
