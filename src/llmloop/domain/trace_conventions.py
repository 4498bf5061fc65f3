"""How span attributes from any instrumentation become llmloop's span fields.

Three vocabularies are read, as versioned tables (:data:`CONVENTIONS_VERSION`; a golden test
pins each table, so a change is deliberate and shows in review):

- llmloop's own ``llmloop.*`` attributes (written by the llmloop SDK), which win;
- OpenInference (``openinference.span.kind``, ``llm.*``, ``input.value``, ``output.value``,
  ``retrieval.documents.N.document.*``);
- the OpenTelemetry GenAI conventions (``gen_ai.*``), current names and the deprecated ones
  that instrumentations still send (``gen_ai.usage.prompt_tokens``, ``gen_ai.system``,
  ``gen_ai.prompt`` / ``gen_ai.completion`` and their events).

For each field the first key present wins, span attributes before resource attributes. The
raw attributes are stored untouched beside the mapped fields, so nothing is lost when a
mapping is missing. A value of the wrong type for a field (text where a token count belongs)
raises :class:`AttributeTypeError`, and the receiver rejects that span alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from llmloop.domain.traces import SpanKind

__all__ = [
    "CONTEXT_KEYS",
    "CONVENTIONS_VERSION",
    "COST_KEYS",
    "GEN_AI_OPERATION_KINDS",
    "MODEL_KEYS",
    "OPENINFERENCE_KINDS",
    "PROVIDER_KEYS",
    "TOKEN_KEYS",
    "AttributeTypeError",
    "MappedSpan",
    "SpanEvent",
    "map_span",
    "resource_defaults",
]

#: Bump when a table below changes meaning; stored spans keep the raw attributes, so they can
#: be re-mapped with a newer version.
CONVENTIONS_VERSION: Final = "2026-11.1"

LLMLOOP_KIND: Final = "llmloop.kind"
OPENINFERENCE_KIND: Final = "openinference.span.kind"
GEN_AI_OPERATION: Final = "gen_ai.operation.name"

OPENINFERENCE_KINDS: Final[Mapping[str, SpanKind]] = {
    "LLM": SpanKind.LLM,
    "RETRIEVER": SpanKind.RETRIEVAL,
    "RERANKER": SpanKind.RERANK,
    "EMBEDDING": SpanKind.EMBEDDING,
    "TOOL": SpanKind.TOOL,
    "AGENT": SpanKind.AGENT,
    "CHAIN": SpanKind.CHAIN,
    "GUARDRAIL": SpanKind.GUARDRAIL,
    "EVALUATOR": SpanKind.EVALUATOR,
}

GEN_AI_OPERATION_KINDS: Final[Mapping[str, SpanKind]] = {
    "chat": SpanKind.LLM,
    "text_completion": SpanKind.LLM,
    "generate_content": SpanKind.LLM,
    "embeddings": SpanKind.EMBEDDING,
    "execute_tool": SpanKind.TOOL,
    "invoke_agent": SpanKind.AGENT,
    "create_agent": SpanKind.AGENT,
    "invoke_workflow": SpanKind.CHAIN,
}

MODEL_KEYS: Final = (
    "gen_ai.response.model",
    "gen_ai.request.model",
    "llm.model_name",
    "embedding.model_name",
)
PROVIDER_KEYS: Final = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")

TOKEN_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "input_tokens": (
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.prompt_tokens",
        "llm.token_count.prompt",
        "llm.usage.prompt_tokens",
    ),
    "output_tokens": (
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens",
        "llm.token_count.completion",
        "llm.usage.completion_tokens",
    ),
    "total_tokens": (
        "gen_ai.usage.total_tokens",
        "llm.token_count.total",
        "llm.usage.total_tokens",
    ),
    "cache_read_tokens": (
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_read_input_tokens",
        "gen_ai.usage.input_tokens.cached",
        "llm.token_count.prompt_details.cache_read",
    ),
    "cache_write_tokens": (
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.usage.cache_write.input_tokens",
        "gen_ai.usage.cache_creation_input_tokens",
        "gen_ai.usage.input_tokens.cache_write",
        "llm.token_count.prompt_details.cache_write",
    ),
    "reasoning_tokens": (
        "gen_ai.usage.reasoning.output_tokens",
        "gen_ai.usage.output_tokens.reasoning",
        "gen_ai.usage.reasoning_tokens",
        "llm.token_count.completion_details.reasoning",
    ),
}

#: A cost the client computed itself wins over llmloop's price.
COST_KEYS: Final = ("llmloop.cost_usd", "gen_ai.usage.cost", "llm.cost.total")

CONTEXT_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "app": ("llmloop.app", "service.name"),
    "app_version": ("llmloop.app_version", "service.version"),
    "environment": (
        "llmloop.environment",
        "deployment.environment.name",
        "deployment.environment",
    ),
    "variant": ("llmloop.variant",),
    "session_id": ("llmloop.session_id", "session.id", "gen_ai.conversation.id"),
    "user_id": ("llmloop.user_id", "user.id", "enduser.id"),
}
ROLLOUT_STEP_KEY: Final = "llmloop.rollout_step"
TAG_KEYS: Final = ("llmloop.tags", "tag.tags")

INPUT_VALUE_KEYS: Final = ("input.value",)
OUTPUT_VALUE_KEYS: Final = ("output.value",)
INPUT_MESSAGES_KEY: Final = "gen_ai.input.messages"
OUTPUT_MESSAGES_KEY: Final = "gen_ai.output.messages"
SYSTEM_INSTRUCTIONS_KEY: Final = "gen_ai.system_instructions"
LEGACY_PROMPT_KEY: Final = "gen_ai.prompt"
LEGACY_COMPLETION_KEY: Final = "gen_ai.completion"
#: Deprecated GenAI events that carry content, and where their text sits.
PROMPT_EVENT: Final = "gen_ai.content.prompt"
COMPLETION_EVENT: Final = "gen_ai.content.completion"
MESSAGE_EVENTS: Final[Mapping[str, str]] = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
CHOICE_EVENT: Final = "gen_ai.choice"
#: The current convention may put the messages on this event instead of the span.
DETAILS_EVENT: Final = "gen_ai.client.inference.operation.details"

_INDEXED_MESSAGE = re.compile(
    r"^(?:llm\.(input|output)_messages\.(\d+)\.message|gen_ai\.(prompt|completion)\.(\d+))"
    r"\.(role|content|name)$"
)
_RETRIEVAL_DOCUMENT = re.compile(
    r"^retrieval\.documents\.(\d+)\.document\.(id|content|score|metadata)$"
)
_UNKNOWN_SERVICE = "unknown_service"
#: Bounds that keep sums in 64-bit columns: no real call comes near them.
MAX_TOKENS: Final = 10**12
MAX_COST_USD: Final = 1e9
MAX_ROLLOUT_STEP: Final = 10**6


class AttributeTypeError(ValueError):
    """An attribute llmloop maps has a value of the wrong type; the span is refused."""


@dataclass(frozen=True)
class SpanEvent:
    """A span event: its name and attributes."""

    name: str
    attributes: Mapping[str, Any]


@dataclass(frozen=True)
class MappedSpan:
    """The llmloop fields read from one span's attributes, events and resource."""

    kind: SpanKind
    model: str | None = None
    provider: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    client_cost_usd: float | None = None
    app: str | None = None
    app_version: str | None = None
    environment: str | None = None
    variant: str | None = None
    rollout_step: int | None = None
    session_id: str | None = None
    user_id: str | None = None
    tags: tuple[str, ...] = ()
    input: str | None = None
    output: str | None = None


_TOKEN_KEYSET: Final = frozenset(key for keys in TOKEN_KEYS.values() for key in keys)
_CONTEXT_KEYSET: Final = frozenset(
    {*(key for keys in CONTEXT_KEYS.values() for key in keys), ROLLOUT_STEP_KEY, *TAG_KEYS}
)


def resource_defaults(resource: Mapping[str, Any]) -> dict[str, Any]:
    """The context fields a resource gives every span under it (worked out once per resource)."""
    fields: dict[str, Any] = {
        field: _context(resource, keys, None) for field, keys in CONTEXT_KEYS.items()
    }
    fields["rollout_step"] = _rollout_step(resource, None)
    fields["tags"] = _tags(resource, None)
    return fields


def map_span(
    attributes: Mapping[str, Any],
    resource: Mapping[str, Any] | None = None,
    events: Sequence[SpanEvent] = (),
    *,
    defaults: Mapping[str, Any] | None = None,
) -> MappedSpan:
    """Read llmloop's fields from a span; raise :class:`AttributeTypeError` on a bad value.

    *defaults* is :func:`resource_defaults` of *resource*, when the caller has it already.
    """
    if defaults is None:
        defaults = resource_defaults(resource or {})
    keys = attributes.keys()
    tokens: dict[str, int | None] = dict.fromkeys(TOKEN_KEYS)
    if keys & _TOKEN_KEYSET:  # most spans carry no usage: skip the lookups
        tokens = {field: _count(attributes, names) for field, names in TOKEN_KEYS.items()}
        cached = (tokens["cache_read_tokens"] or 0) + (tokens["cache_write_tokens"] or 0)
        if tokens["input_tokens"] is not None and cached > tokens["input_tokens"]:
            # Input that is smaller than its own cached part was counted without the cache
            # (Anthropic's convention); llmloop stores the total, as OpenTelemetry GenAI does.
            tokens["input_tokens"] += cached
        if tokens["total_tokens"] is None and (
            tokens["input_tokens"] is not None or tokens["output_tokens"] is not None
        ):
            tokens["total_tokens"] = (tokens["input_tokens"] or 0) + (tokens["output_tokens"] or 0)
    context = dict(defaults)
    if keys & _CONTEXT_KEYSET:
        for field, names in CONTEXT_KEYS.items():
            context[field] = _context(attributes, names, defaults[field])
        context["rollout_step"] = _rollout_step(attributes, defaults["rollout_step"])
        context["tags"] = _tags(attributes, defaults["tags"])
    model = _text(attributes, MODEL_KEYS)
    return MappedSpan(
        kind=_kind(attributes, has_model=model is not None),
        model=model,
        provider=_text(attributes, PROVIDER_KEYS),
        input_tokens=tokens["input_tokens"],
        output_tokens=tokens["output_tokens"],
        total_tokens=tokens["total_tokens"],
        cache_read_tokens=tokens["cache_read_tokens"],
        cache_write_tokens=tokens["cache_write_tokens"],
        reasoning_tokens=tokens["reasoning_tokens"],
        client_cost_usd=_cost(attributes),
        app=context["app"],
        app_version=context["app_version"],
        environment=context["environment"],
        variant=context["variant"],
        rollout_step=context["rollout_step"],
        session_id=context["session_id"],
        user_id=context["user_id"],
        tags=context["tags"],
        input=_input(attributes, events),
        output=_output(attributes, events),
    )


# -- kinds ------------------------------------------------------------------------------


def _kind(attributes: Mapping[str, Any], *, has_model: bool) -> SpanKind:
    own = attributes.get(LLMLOOP_KIND)
    if own is not None:
        try:
            return SpanKind(str(own).lower())
        except ValueError:
            choices = ", ".join(kind.value for kind in SpanKind)
            raise AttributeTypeError(
                f"{LLMLOOP_KIND} is {str(own)[:40]!r}, not one of {choices}"
            ) from None
    openinference = attributes.get(OPENINFERENCE_KIND)
    if isinstance(openinference, str) and openinference.upper() in OPENINFERENCE_KINDS:
        return OPENINFERENCE_KINDS[openinference.upper()]
    operation = attributes.get(GEN_AI_OPERATION)
    if isinstance(operation, str) and operation in GEN_AI_OPERATION_KINDS:
        return GEN_AI_OPERATION_KINDS[operation]
    if has_model:
        return SpanKind.LLM
    if any(_RETRIEVAL_DOCUMENT.match(key) for key in attributes):
        return SpanKind.RETRIEVAL
    return SpanKind.SPAN


# -- scalar fields ----------------------------------------------------------------------


def _first(attributes: Mapping[str, Any], keys: Sequence[str]) -> tuple[str, Any] | None:
    for key in keys:
        value = attributes.get(key)
        if value is not None:
            return key, value
    return None


def _as_text(key: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise AttributeTypeError(f"{key} must be text, got {type(value).__name__}")


def _text(attributes: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    found = _first(attributes, keys)
    if found is None:
        return None
    text = _as_text(*found).strip()
    return text or None


def _context(attributes: Mapping[str, Any], keys: Sequence[str], default: str | None) -> str | None:
    value = _text(attributes, keys)
    if value is None:
        return default
    if value.startswith(_UNKNOWN_SERVICE):
        return default  # the OpenTelemetry SDK's placeholder for "no service.name was set"
    return value


def _whole_number(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise AttributeTypeError(f"{key} must be a whole number, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    shown = repr(value)[:40]
    raise AttributeTypeError(f"{key} must be a whole number, got {type(value).__name__} {shown}")


def _rollout_step(attributes: Mapping[str, Any], default: int | None) -> int | None:
    value = attributes.get(ROLLOUT_STEP_KEY)
    if value is None:
        return default
    step = _whole_number(ROLLOUT_STEP_KEY, value)
    if not 0 <= step <= MAX_ROLLOUT_STEP:
        raise AttributeTypeError(
            f"{ROLLOUT_STEP_KEY} must be between 0 and {MAX_ROLLOUT_STEP}, got {step}"
        )
    return step


def _count(attributes: Mapping[str, Any], keys: Sequence[str]) -> int | None:
    found = _first(attributes, keys)
    if found is None:
        return None
    count = _whole_number(*found)
    if not 0 <= count <= MAX_TOKENS:
        raise AttributeTypeError(f"{found[0]} must be between 0 and {MAX_TOKENS}, got {count}")
    return count


def _cost(attributes: Mapping[str, Any]) -> float | None:
    found = _first(attributes, COST_KEYS)
    if found is None:
        return None
    key, value = found
    try:
        if isinstance(value, bool):
            raise ValueError
        cost = float(value)
    except (TypeError, ValueError):
        raise AttributeTypeError(
            f"{key} must be a number of US dollars, got {type(value).__name__}"
        ) from None
    if not 0 <= cost <= MAX_COST_USD:
        raise AttributeTypeError(
            f"{key} must be an amount between 0 and {MAX_COST_USD:g} USD, got {value!r}"
        )
    return cost


def _tags(attributes: Mapping[str, Any], default: tuple[str, ...] | None) -> tuple[str, ...]:
    found = _first(attributes, TAG_KEYS)
    if found is None:
        return default or ()
    key, value = found
    if isinstance(value, str):
        parsed = _maybe_json(value)
        items = parsed if isinstance(parsed, list) else value.split(",")
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise AttributeTypeError(f"{key} must be a list of strings, got {type(value).__name__}")
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


# -- content ----------------------------------------------------------------------------


def _maybe_json(text: str) -> Any:
    stripped = text.lstrip()
    if not stripped or stripped[0] not in "[{":
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _indexed_messages(attributes: Mapping[str, Any], direction: str) -> list[dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for key, value in attributes.items():
        match = _INDEXED_MESSAGE.match(key)
        if match is None:
            continue
        side = match.group(1) or ("input" if match.group(3) == "prompt" else "output")
        if side != direction:
            continue
        index = int(match.group(2) or match.group(4))
        found.setdefault(index, {})[match.group(5)] = value
    return [found[index] for index in sorted(found)]


def _retrieval_documents(attributes: Mapping[str, Any]) -> list[dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for key, value in attributes.items():
        match = _RETRIEVAL_DOCUMENT.match(key)
        if match is not None:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return [found[index] for index in sorted(found)]


def _event_text(events: Sequence[SpanEvent], name: str, key: str) -> Any:
    for event in events:
        if event.name == name and event.attributes.get(key) is not None:
            return event.attributes[key]
    return None


def _input(attributes: Mapping[str, Any], events: Sequence[SpanEvent]) -> str | None:
    value = _first(attributes, INPUT_VALUE_KEYS)
    if value is not None:
        return _render(value[1])
    details = next((e.attributes for e in events if e.name == DETAILS_EVENT), {})
    messages = attributes.get(INPUT_MESSAGES_KEY, details.get(INPUT_MESSAGES_KEY))
    instructions = attributes.get(SYSTEM_INSTRUCTIONS_KEY, details.get(SYSTEM_INSTRUCTIONS_KEY))
    if isinstance(messages, str) and instructions is None:
        return messages  # already JSON text: kept as sent, not parsed and re-encoded
    if messages is not None or instructions is not None:
        parsed = _maybe_json(messages) if isinstance(messages, str) else messages
        listed = list(parsed) if isinstance(parsed, list | tuple) else []
        if parsed is not None and not listed:
            listed = [parsed]
        if instructions is not None:
            parts = _maybe_json(instructions) if isinstance(instructions, str) else instructions
            listed.insert(0, {"role": "system", "parts": parts})
        return _render(listed)
    indexed = _indexed_messages(attributes, "input")
    if indexed:
        return _render(indexed)
    legacy = attributes.get(LEGACY_PROMPT_KEY)
    if legacy is None:
        legacy = _event_text(events, PROMPT_EVENT, LEGACY_PROMPT_KEY)
    if legacy is not None:
        return _render(legacy)
    per_message = [
        {"role": MESSAGE_EVENTS[e.name], "content": _render(e.attributes.get("content", ""))}
        for e in events
        if e.name in MESSAGE_EVENTS
    ]
    return _render(per_message) if per_message else None


def _output(attributes: Mapping[str, Any], events: Sequence[SpanEvent]) -> str | None:
    value = _first(attributes, OUTPUT_VALUE_KEYS)
    if value is not None:
        return _render(value[1])
    details = next((e.attributes for e in events if e.name == DETAILS_EVENT), {})
    messages = attributes.get(OUTPUT_MESSAGES_KEY, details.get(OUTPUT_MESSAGES_KEY))
    if messages is not None:
        return _render(messages)  # JSON text is kept as sent; structured values are encoded
    indexed = _indexed_messages(attributes, "output")
    if indexed:
        return _render(indexed)
    legacy = attributes.get(LEGACY_COMPLETION_KEY)
    if legacy is None:
        legacy = _event_text(events, COMPLETION_EVENT, LEGACY_COMPLETION_KEY)
    if legacy is not None:
        return _render(legacy)
    choices = [
        e.attributes.get("message", e.attributes.get("content"))
        for e in events
        if e.name == CHOICE_EVENT
    ]
    if choices:
        return _render([choice for choice in choices if choice is not None])
    documents = _retrieval_documents(attributes)
    return _render(documents) if documents else None
