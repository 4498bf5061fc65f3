"""Apps: the deployable unit. An app version is an immutable spec named by its content hash.

Two kinds exist now; RAG and agent kinds slot in as further members of :data:`AppSpec` (a
union discriminated by ``kind``):

- ``prompt``: a prompt reference, a model (``PROFILE/MODEL``) and parameters. The spec's
  parameters override the prompt version's defaults and are part of the hash.
- ``python``: an import path to the team's own callable (``package.module:function``) with
  its declared configuration, and optionally the model its ``ctx.chat`` uses.

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
from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter

from llmloop.domain.names import validate_name
from llmloop.domain.pricing import TokenUsage
from llmloop.errors import ValidationError

__all__ = [
    "AppParameters",
    "AppPushResult",
    "AppReference",
    "AppRun",
    "AppSpec",
    "AppSummary",
    "AppVersion",
    "PromptAppSpec",
    "PythonAppSpec",
    "diff_specs",
    "parse_app_reference",
    "parse_app_spec",
    "spec_hash",
]

_MODEL = r"^[a-z0-9][a-z0-9._-]*/.+$"
_ENTRYPOINT = r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$"
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


AppSpec = Annotated[PromptAppSpec | PythonAppSpec, Field(discriminator="kind")]
_SPEC: TypeAdapter[PromptAppSpec | PythonAppSpec] = TypeAdapter(AppSpec)


def _describe(error: Any) -> str:
    loc = tuple(error.get("loc", ()))
    if loc and loc[0] in ("prompt", "python"):
        loc = loc[1:]  # the first part names the union member (the kind), not a field
    where = ".".join(str(part) for part in loc)
    if error.get("type") == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag")
        return f"kind: {tag!r} is not a kind of app (use 'prompt' or 'python')"
    if error.get("type") == "union_tag_not_found":
        return "kind: is missing (use 'prompt' or 'python')"
    if error.get("type") == "extra_forbidden":
        return f"{where}: is not a field of this kind of app"
    if error.get("type") == "string_pattern_mismatch" and where.endswith("model"):
        return f"{where}: {error['input']!r} is not PROFILE/MODEL (e.g. 'local/extractive')"
    if error.get("type") == "string_pattern_mismatch" and where == "entrypoint":
        return f"entrypoint: {error['input']!r} is not 'package.module:function'"
    return f"{where or 'spec'}: {error.get('msg', 'is invalid')}"


def parse_app_spec(data: Any) -> PromptAppSpec | PythonAppSpec:
    """Validate a spec from YAML or JSON; ``ValidationError`` names each field and reason."""
    if isinstance(data, PromptAppSpec | PythonAppSpec):
        return data
    try:
        return _SPEC.validate_python(data)
    except pydantic.ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise ValidationError(
            f"the app spec is invalid: {problems}",
            hint="Fix the named fields; see docs/apps.md for both kinds of spec.",
        ) from None


def canonical_json(spec: PromptAppSpec | PythonAppSpec) -> str:
    """The spec as canonical JSON (sorted keys, no spaces): what the hash covers."""
    return json.dumps(
        spec.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def spec_hash(spec: PromptAppSpec | PythonAppSpec) -> str:
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


def diff_specs(old: PromptAppSpec | PythonAppSpec, new: PromptAppSpec | PythonAppSpec) -> list[str]:
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
