"""The difference between two prompt versions: messages, variables and parameters.

:func:`diff_prompts` returns a structured :class:`PromptDiff` (for the API and scripts);
:meth:`PromptDiff.as_text` renders it as a readable, unified-diff-like text for people.
"""

from __future__ import annotations

import difflib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from llmloop.domain.prompts import PromptContent, PromptVersion

__all__ = ["FieldChange", "MessageChange", "PromptDiff", "diff_prompts"]

ChangeKind = Literal["added", "removed", "changed"]


class MessageChange(BaseModel):
    """A message at one position that was added, removed or changed."""

    model_config = ConfigDict(frozen=True)

    index: int
    change: ChangeKind
    role_before: str | None = None
    role_after: str | None = None
    content_diff: list[str] = Field(default_factory=list, description="Unified diff lines.")


class FieldChange(BaseModel):
    """A variable or parameter that was added, removed or changed."""

    model_config = ConfigDict(frozen=True)

    name: str
    change: ChangeKind
    before: JsonValue = None
    after: JsonValue = None


class PromptDiff(BaseModel):
    """What changed from one version to another."""

    model_config = ConfigDict(frozen=True)

    before: str = Field(description="Reference of the older side, e.g. 'support@1'.")
    after: str
    kind_before: str
    kind_after: str
    messages: list[MessageChange] = Field(default_factory=list)
    text_diff: list[str] = Field(default_factory=list)
    variables: list[FieldChange] = Field(default_factory=list)
    parameters: list[FieldChange] = Field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the two sides differ at all."""
        return bool(
            self.kind_before != self.kind_after
            or self.messages
            or self.text_diff
            or self.variables
            or self.parameters
        )

    def as_text(self) -> str:
        """A readable form: one section per part that changed."""
        if not self.changed:
            return f"{self.before} and {self.after} have the same content\n"
        lines = [f"--- {self.before}", f"+++ {self.after}"]
        if self.kind_before != self.kind_after:
            lines.append(f"kind: {self.kind_before} -> {self.kind_after}")
        for message in self.messages:
            role = message.role_after or message.role_before
            lines.append(f"@@ message {message.index + 1} ({role}) {message.change} @@")
            lines.extend(message.content_diff)
        if self.text_diff:
            lines.append("@@ text @@")
            lines.extend(self.text_diff)
        for title, changes in (("variable", self.variables), ("parameter", self.parameters)):
            for change in changes:
                lines.append(f"{title} {change.name}: {_describe(change)}")
        return "\n".join(lines) + "\n"


def _describe(change: FieldChange) -> str:
    if change.change == "added":
        return f"added {_short(change.after)}"
    if change.change == "removed":
        return f"removed (was {_short(change.before)})"
    if isinstance(change.before, dict) and isinstance(change.after, dict):
        # Name only the fields that changed, e.g. "default: "friendly" -> "calm"".
        keys = sorted(change.before.keys() | change.after.keys())
        return ", ".join(
            f"{key}: {_short(change.before.get(key))} -> {_short(change.after.get(key))}"
            for key in keys
            if change.before.get(key) != change.after.get(key)
        )
    return f"{_short(change.before)} -> {_short(change.after)}"


def _short(value: JsonValue) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _line_diff(before: str, after: str) -> list[str]:
    # Headers are dropped: the section line already says which message this is.
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2)
    return [line for line in lines if not line.startswith(("---", "+++"))]


def _message_changes(before: PromptContent, after: PromptContent) -> list[MessageChange]:
    changes: list[MessageChange] = []
    for index in range(max(len(before.messages), len(after.messages))):
        old = before.messages[index] if index < len(before.messages) else None
        new = after.messages[index] if index < len(after.messages) else None
        if old == new:
            continue
        changes.append(
            MessageChange(
                index=index,
                change="added" if old is None else "removed" if new is None else "changed",
                role_before=old.role if old else None,
                role_after=new.role if new else None,
                content_diff=_line_diff(old.content if old else "", new.content if new else ""),
            )
        )
    return changes


def _field_changes(before: dict[str, JsonValue], after: dict[str, JsonValue]) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            changes.append(FieldChange(name=name, change="removed", before=before[name]))
        elif name not in before:
            changes.append(FieldChange(name=name, change="added", after=after[name]))
        elif before[name] != after[name]:
            changes.append(
                FieldChange(name=name, change="changed", before=before[name], after=after[name])
            )
    return changes


def _variables(content: PromptContent) -> dict[str, JsonValue]:
    return {
        v.name: v.model_dump(mode="json", exclude={"name"}, exclude_defaults=True)
        for v in content.variables
    }


def _parameters(content: PromptContent) -> dict[str, JsonValue]:
    dumped = content.parameters.model_dump(mode="json")
    extras = dumped.pop("extras")
    flat: dict[str, JsonValue] = {k: v for k, v in dumped.items() if v is not None}
    flat.update({f"extras.{k}": v for k, v in extras.items()})
    return flat


def diff_prompts(before: PromptVersion, after: PromptVersion) -> PromptDiff:
    """Compare two versions (of one prompt or of two)."""
    old, new = before.content, after.content
    return PromptDiff(
        before=f"{before.name}@{before.version}",
        after=f"{after.name}@{after.version}",
        kind_before=old.kind.value,
        kind_after=new.kind.value,
        messages=_message_changes(old, new),
        text_diff=_line_diff(old.text or "", new.text or "") if old.text != new.text else [],
        variables=_field_changes(_variables(old), _variables(new)),
        parameters=_field_changes(_parameters(old), _parameters(new)),
    )
