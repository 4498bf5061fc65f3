"""Apps: the deployable unit. An app version is an immutable spec named by its content hash.

Four kinds, the members of :data:`AppSpec` (a union discriminated by ``kind``; every module
that takes a spec names that one type, so a new kind is added here and where it runs):

- ``prompt``: a prompt reference, a model (``PROFILE/MODEL``) and parameters. The spec's
  parameters override the prompt version's defaults and are part of the hash.
- ``python``: an import path to the team's own callable (``package.module:function``) with
  its declared configuration, and optionally the model its ``ctx.chat`` uses.
- ``rag``: documents (files, folders or inline records), chunking, retrieval and rerank
  settings (:mod:`llmloop.domain.rag`), a model and how it is asked. ``documents_sha256`` is
  set where the spec is pushed, from the documents read there, so the hash changes when they do.
- ``agent``: a model, tools by import path, a planning strategy, a step limit and a time budget.

References in a spec are resolved when it is pushed (``support-reply:production`` is stored as
``support-reply@4``), so a version always means exactly one behaviour. Pushing a spec whose
hash is already stored creates nothing new.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter, model_validator

from llmloop.domain.names import validate_name
from llmloop.domain.pricing import TokenUsage
from llmloop.domain.rag import (
    ChunkingConfig,
    RecursiveChunking,
    RerankConfig,
    RetrievalConfig,
    describe_error,
)
from llmloop.errors import ValidationError

__all__ = [
    "APP_KINDS",
    "APP_SPEC_TYPES",
    "AgentAppSpec",
    "AppParameters",
    "AppPushResult",
    "AppReference",
    "AppRun",
    "AppSpec",
    "AppSummary",
    "AppVersion",
    "PromptAppSpec",
    "PythonAppSpec",
    "RagAppSpec",
    "RagDocuments",
    "diff_specs",
    "parse_app_reference",
    "parse_app_spec",
    "spec_hash",
]

_MODEL = r"^[a-z0-9][a-z0-9._-]*/.+$"
_ENTRYPOINT = r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$"
_IMPORT_PATH = r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"
_SHA256 = r"^[0-9a-f]{64}$"
_HASH_PREFIX = re.compile(r"^[0-9a-f]{7,64}$")


class AppParameters(BaseModel):
    """Model parameters an app sets; each one given overrides the prompt's default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0)
    extras: dict[str, JsonValue] = Field(default_factory=dict)


class PromptAppSpec(BaseModel):
    """A prompt version, a model and parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["prompt"] = "prompt"
    prompt: str = Field(min_length=1, description="NAME, NAME@VERSION or NAME:LABEL.")
    model: str | None = Field(
        default=None,
        pattern=_MODEL,
        description="PROFILE/MODEL; default: the prompt's own model parameter.",
    )
    params: AppParameters = Field(default_factory=AppParameters)


class PythonAppSpec(BaseModel):
    """The team's own callable ``fn(input, ctx)``, with its declared configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["python"] = "python"
    entrypoint: str = Field(pattern=_ENTRYPOINT, description="package.module:function")
    model: str | None = Field(default=None, pattern=_MODEL)
    params: AppParameters = Field(default_factory=AppParameters)
    config: dict[str, JsonValue] = Field(default_factory=dict)


class RagDocuments(BaseModel):
    """What a RAG app reads: files and folders (read where it runs) and inline records."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    paths: tuple[str, ...] = Field(
        default=(), description="Files and folders (text, Markdown, HTML, JSON Lines, PDF)."
    )
    records: tuple[dict[str, JsonValue], ...] = Field(
        default=(), description="Inline documents, each with a text field (and an optional id)."
    )
    text_field: str = Field(default="text", min_length=1, description="The records' text field.")

    @model_validator(mode="after")
    def _something_to_read(self) -> RagDocuments:
        if not self.paths and not self.records:
            raise ValueError("documents: name paths or records; a RAG app needs something to read")
        return self


class RagAppSpec(BaseModel):
    """Retrieval-augmented answers: documents, chunking, retrieval, rerank and a model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["rag"] = "rag"
    documents: RagDocuments
    chunking: ChunkingConfig = Field(default_factory=RecursiveChunking)
    retrieval: RetrievalConfig = Field(default_factory=RetrievalConfig)
    rerank: RerankConfig = Field(default_factory=RerankConfig)
    model: str = Field(pattern=_MODEL, description="PROFILE/MODEL that writes the answer.")
    prompt: str | None = Field(
        default=None,
        min_length=1,
        description="A prompt (NAME, NAME@VERSION, NAME:LABEL) with variables question, context.",
    )
    answer_template: str | None = Field(
        default=None,
        min_length=1,
        description="A Jinja2 text template with {{ question }} and {{ context }}.",
    )
    params: AppParameters = Field(default_factory=AppParameters)
    documents_sha256: str | None = Field(
        default=None,
        pattern=_SHA256,
        description="SHA-256 of the documents as read at push time (set by the pusher).",
    )

    @model_validator(mode="after")
    def _one_way_to_ask(self) -> RagAppSpec:
        if self.prompt is not None and self.answer_template is not None:
            raise ValueError("answer_template: give a prompt or an answer_template, not both")
        return self


class AgentAppSpec(BaseModel):
    """A model that calls tools (plain Python functions) under a planning strategy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["agent"] = "agent"
    model: str = Field(pattern=_MODEL, description="PROFILE/MODEL that plans and calls tools.")
    tools: tuple[Annotated[str, Field(pattern=_IMPORT_PATH)], ...] = Field(
        min_length=1, description="Tools as package.module:function."
    )
    strategy: Literal["react", "plan_execute"] = "react"
    max_steps: int = Field(default=8, ge=1, le=100, description="Model calls per run, at most.")
    time_budget_s: float = Field(default=60.0, gt=0, le=3600, description="Seconds per run.")
    system_prompt: str | None = Field(default=None, min_length=1)
    params: AppParameters = Field(default_factory=AppParameters)


#: Every kind of app spec; annotate with it, so a new kind is added in this one place.
AppSpec = Annotated[
    PromptAppSpec | PythonAppSpec | RagAppSpec | AgentAppSpec, Field(discriminator="kind")
]
#: The same members as a tuple, for ``isinstance``.
APP_SPEC_TYPES = (PromptAppSpec, PythonAppSpec, RagAppSpec, AgentAppSpec)
APP_KINDS: tuple[str, ...] = ("prompt", "python", "rag", "agent")
_SPEC: TypeAdapter[AppSpec] = TypeAdapter(AppSpec)
_KINDS_TEXT = ", ".join(repr(kind) for kind in APP_KINDS[:-1]) + f" or {APP_KINDS[-1]!r}"
_RAG_SETTINGS = ("chunking", "retrieval", "rerank")


def _describe(error: Any) -> str:
    loc = tuple(error.get("loc", ()))
    if loc and loc[0] in APP_KINDS:
        loc = loc[1:]  # the first part names the union member (the kind), not a field
    if loc and loc[0] in _RAG_SETTINGS:
        return describe_error({**error, "loc": loc[1:]}, str(loc[0]))
    where = ".".join(str(part) for part in loc)
    if error.get("type") == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag")
        return f"kind: {tag!r} is not a kind of app (use {_KINDS_TEXT})"
    if error.get("type") == "union_tag_not_found":
        return f"kind: is missing (use {_KINDS_TEXT})"
    if error.get("type") == "extra_forbidden":
        return f"{where}: is not a field of this kind of app"
    if error.get("type") == "string_pattern_mismatch" and where.endswith("model"):
        return f"{where}: {error['input']!r} is not PROFILE/MODEL (e.g. 'local/extractive')"
    if error.get("type") == "string_pattern_mismatch" and where == "entrypoint":
        return f"entrypoint: {error['input']!r} is not 'package.module:function'"
    if error.get("type") == "string_pattern_mismatch" and where.startswith("tools."):
        return f"{where}: {error['input']!r} is not 'package.module:function'"
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    if error.get("type") == "value_error" and ":" in message.split(" ", 1)[0]:
        return message  # our own validators name the field first
    return f"{where or 'spec'}: {message}"


def parse_app_spec(data: Any) -> AppSpec:
    """Validate a spec from YAML or JSON; ``ValidationError`` names each field and reason."""
    if isinstance(data, APP_SPEC_TYPES):
        return data
    try:
        return _SPEC.validate_python(data)
    except pydantic.ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise ValidationError(
            f"the app spec is invalid: {problems}",
            hint="Fix the named fields; see docs/apps.md for every kind of spec.",
        ) from None


def canonical_json(spec: AppSpec) -> str:
    """The spec as canonical JSON (sorted keys, no spaces): what the hash covers."""
    return json.dumps(
        spec.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def spec_hash(spec: AppSpec) -> str:
    """The hex SHA-256 of the spec's canonical JSON."""
    return hashlib.sha256(canonical_json(spec).encode("utf-8")).hexdigest()


class AppVersion(BaseModel):
    """One immutable version; ``content_hash`` names it, ``version`` numbers it for people."""

    model_config = ConfigDict(frozen=True)

    name: str
    version: int
    content_hash: str
    spec: AppSpec
    message: str = ""
    created_at: datetime
    created_by: str

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits of the hash, enough to name the version."""
        return self.content_hash[:12]

    @property
    def reference(self) -> str:
        """``NAME@HASH12``: the exact, unambiguous name of this version."""
        return f"{self.name}@{self.short_hash}"


class AppPushResult(BaseModel):
    """The version a push resolved to; ``created`` is False when the spec was already stored."""

    model_config = ConfigDict(frozen=True)

    version: AppVersion
    created: bool


class AppSummary(BaseModel):
    """An app in a listing: its newest version."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: str
    latest_version: int
    latest_hash: str
    updated_at: datetime


class AppReference(BaseModel):
    """``NAME`` (newest), ``NAME@3`` (version number) or ``NAME@3f9a2b1c`` (hash prefix)."""

    model_config = ConfigDict(frozen=True)

    name: str
    version: int | None = None
    hash_prefix: str | None = None

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.name}@{self.version}"
        if self.hash_prefix is not None:
            return f"{self.name}@{self.hash_prefix}"
        return self.name


def parse_app_reference(text: str) -> AppReference:
    """Parse an app reference; digits after ``@`` are a number, 7+ hex digits a hash prefix."""
    name, at, rest = text.strip().partition("@")
    validate_name(name, what="app")
    if not at:
        return AppReference(name=name)
    if rest.isdigit() and int(rest) >= 1 and len(rest) < 7:
        return AppReference(name=name, version=int(rest))
    if _HASH_PREFIX.match(rest.lower()):
        return AppReference(name=name, hash_prefix=rest.lower())
    raise ValidationError(
        f"app reference {text!r}: {rest!r} is neither a version number nor a hash prefix",
        hint="Write NAME@3 for version 3 or NAME@3f9a2b1c (7 or more hex digits of the hash).",
    )


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key in sorted(value):
            flat.update(_flatten(value[key], f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): value}


def diff_specs(old: AppSpec, new: AppSpec) -> list[str]:
    """One line per field that differs: ``params.temperature: 0.2 -> 0.1``."""
    before = _flatten(old.model_dump(mode="json"))
    after = _flatten(new.model_dump(mode="json"))
    lines = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            lines.append(f"{key}: {json.dumps(before.get(key))} -> {json.dumps(after.get(key))}")
    return lines


class AppRun(BaseModel):
    """What one run of an app version did: its output or its error, and what it cost.

    ``status`` is ``ok`` or ``error``; an error run keeps the message and the trace, whose
    failed span shows where it broke. ``cost_usd`` is ``None`` when any call was unpriced.
    """

    model_config = ConfigDict(frozen=True)

    app: str
    version: int
    content_hash: str
    input: JsonValue
    output: JsonValue = None
    status: Literal["ok", "error"]
    error: str | None = None
    error_code: str | None = None
    trace_id: str
    latency_ms: float
    model_calls: int = 0
    usage: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float | None = 0.0
