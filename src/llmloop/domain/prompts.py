"""Prompts: immutable numbered versions of a chat or text template, and labels that point at them.

A version's *content* is what is hashed and compared: the template (chat messages or text), the
declared variables and the default model parameters. The commit message, the author and the
time are about the version, not part of it, so pushing the same content twice is a no-op.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from llmloop.domain.names import validate_name
from llmloop.errors import ValidationError

__all__ = [
    "DEFAULT_PROTECTED_LABELS",
    "RESERVED_LABELS",
    "LabelEvent",
    "ModelParameters",
    "PromptContent",
    "PromptKind",
    "PromptMessage",
    "PromptSummary",
    "PromptVariable",
    "PromptVersion",
    "PushResult",
    "RenderedPrompt",
    "VariableType",
    "content_hash",
    "validate_label_name",
    "validate_variable_name",
]

DEFAULT_PROTECTED_LABELS = frozenset({"production"})
# "latest" always means the newest version; a label of that name would shadow it.
RESERVED_LABELS = frozenset({"latest"})
# "3" and "v3" read as version numbers: `prompt:3` next to `prompt@3` invites mistakes.
_VERSION_LIKE = re.compile(r"^v?\d+$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def validate_label_name(label: str) -> str:
    """Return *label* if it is a valid label name; refuse names that read as versions."""
    validate_name(label, what="label")
    if _VERSION_LIKE.match(label):
        raise ValidationError(
            f"label name {label!r} could be read as a version number",
            hint="Use a word such as 'production' or 'staging'; refer to versions as NAME@3.",
        )
    if label in RESERVED_LABELS:
        raise ValidationError(
            f"label name {label!r} is reserved: it always means the newest version",
            hint="Choose another label name.",
        )
    return label


def validate_variable_name(name: str) -> str:
    """Return *name* if it can be used in a template (a Python-style identifier)."""
    if not _VARIABLE.match(name):
        raise ValidationError(
            f"variable name {name!r} is not allowed",
            hint="Use letters, digits and '_', starting with a letter or '_', e.g. 'customer'.",
        )
    return name


class PromptKind(StrEnum):
    """A chat prompt is a list of messages; a text prompt is one template."""

    CHAT = "chat"
    TEXT = "text"


class VariableType(StrEnum):
    """The JSON type a variable's value must have, when declared."""

    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    LIST = "list"
    OBJECT = "object"

    def accepts(self, value: Any) -> bool:
        """Whether *value* is of this type (booleans are not numbers)."""
        if isinstance(value, bool):
            return self is VariableType.BOOLEAN
        checks: dict[VariableType, type | tuple[type, ...]] = {
            VariableType.STRING: str,
            VariableType.NUMBER: (int, float),
            VariableType.INTEGER: int,
            VariableType.BOOLEAN: bool,
            VariableType.LIST: (list, tuple),
            VariableType.OBJECT: dict,
        }
        return isinstance(value, checks[self])


class PromptMessage(BaseModel):
    """One chat message template; few-shot examples are user/assistant pairs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str


class PromptVariable(BaseModel):
    """A declared template variable: required unless it has a default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: VariableType | None = Field(default=None, description="Checked when rendering.")
    default: JsonValue = Field(default=None, description="Used when no value is given.")
    description: str = ""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return validate_variable_name(value)

    @model_validator(mode="after")
    def _default_has_type(self) -> PromptVariable:
        if (
            self.default is not None
            and self.type is not None
            and not self.type.accepts(self.default)
        ):
            raise ValueError(f"default of {self.name!r} is not of type {self.type.value}")
        return self

    @property
    def required(self) -> bool:
        """Whether rendering needs a value for it."""
        return self.default is None


class ModelParameters(BaseModel):
    """Default model parameters; an app's own settings override them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0)
    extras: dict[str, JsonValue] = Field(
        default_factory=dict, description="Other provider parameters, e.g. top_p."
    )


class PromptContent(BaseModel):
    """What a version holds and what its hash covers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PromptKind
    messages: list[PromptMessage] = Field(default_factory=list)
    text: str | None = None
    variables: list[PromptVariable] = Field(default_factory=list)
    parameters: ModelParameters = Field(default_factory=ModelParameters)

    @model_validator(mode="after")
    def _consistent(self) -> PromptContent:
        if self.kind is PromptKind.CHAT:
            if not self.messages or self.text is not None:
                raise ValueError("a chat prompt has messages and no text")
        elif self.text is None or self.messages:
            raise ValueError("a text prompt has text and no messages")
        names = [v.name for v in self.variables]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"variable {duplicates[0]!r} is declared twice")
        return self

    def canonical_json(self) -> str:
        """The content as canonical JSON: sorted keys, no spaces, UTF-8 kept as is."""
        return json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )

    def variable(self, name: str) -> PromptVariable | None:
        """The declared variable called *name*, if any."""
        return next((v for v in self.variables if v.name == name), None)


def content_hash(content: PromptContent) -> str:
    """The hex SHA-256 of the content's canonical JSON."""
    return hashlib.sha256(content.canonical_json().encode("utf-8")).hexdigest()


class PromptVersion(BaseModel):
    """One immutable version of a prompt, with the labels that point at it now."""

    model_config = ConfigDict(frozen=True)

    name: str
    version: int
    content: PromptContent
    content_hash: str
    message: str = ""
    created_at: datetime
    created_by: str
    labels: list[str] = Field(default_factory=list)


class PushResult(BaseModel):
    """The version a push resolved to; ``created`` is False when the content was unchanged."""

    model_config = ConfigDict(frozen=True)

    version: PromptVersion
    created: bool


class PromptSummary(BaseModel):
    """A prompt in a listing: its newest version and its labels."""

    model_config = ConfigDict(frozen=True)

    name: str
    latest_version: int
    labels: dict[str, int] = Field(description="Label name to version number.")
    created_at: datetime
    updated_at: datetime


class LabelEvent(BaseModel):
    """A label was set, moved or deleted (``to_version`` None); kept forever as history."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    label: str
    from_version: int | None
    to_version: int | None
    at: datetime
    actor: str
    reason: str = ""
    protected: bool = False


class RenderedPrompt(BaseModel):
    """A rendered prompt, ready for a provider: messages for chat, text for text prompts."""

    model_config = ConfigDict(frozen=True)

    kind: PromptKind
    messages: list[dict[str, str]] = Field(
        default_factory=list, description='[{"role": ..., "content": ...}] for chat prompts.'
    )
    text: str | None = None
    parameters: ModelParameters = Field(default_factory=ModelParameters)
