"""Golden tests of the attribute mapping tables: GenAI (current and deprecated), OpenInference,
llmloop's own attributes, span kinds, content, and refused values."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from llmloop.domain import trace_conventions as conventions
from llmloop.domain.trace_conventions import (
    AttributeTypeError,
    MappedSpan,
    SpanEvent,
    map_span,
)
from llmloop.domain.traces import SpanKind

# The tables as released under CONVENTIONS_VERSION. Changing a table means changing this
# golden copy AND bumping the version: stored spans record the version they were mapped with.
GOLDEN_VERSION = "2026-11.1"
GOLDEN_TABLES: dict[str, Any] = {
    "MODEL_KEYS": (
        "gen_ai.response.model",
        "gen_ai.request.model",
        "llm.model_name",
        "embedding.model_name",
    ),
    "PROVIDER_KEYS": ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"),
    "COST_KEYS": ("llmloop.cost_usd", "gen_ai.usage.cost", "llm.cost.total"),
    "OPENINFERENCE_KINDS": {
        "LLM": "llm",
        "RETRIEVER": "retrieval",
        "RERANKER": "rerank",
        "EMBEDDING": "embedding",
        "TOOL": "tool",
        "AGENT": "agent",
        "CHAIN": "chain",
        "GUARDRAIL": "guardrail",
        "EVALUATOR": "evaluator",
    },
    "GEN_AI_OPERATION_KINDS": {
        "chat": "llm",
        "text_completion": "llm",
        "generate_content": "llm",
        "embeddings": "embedding",
        "execute_tool": "tool",
        "invoke_agent": "agent",
        "create_agent": "agent",
        "invoke_workflow": "chain",
    },
    "TOKEN_KEYS": {
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
    },
    "CONTEXT_KEYS": {
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
    },
}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, SpanKind):
        return value.value
    return value


def test_the_tables_match_their_golden_copy_and_version() -> None:
    assert conventions.CONVENTIONS_VERSION == GOLDEN_VERSION
    for name, golden in GOLDEN_TABLES.items():
        table = getattr(conventions, name)
        assert _plain(dict(table) if isinstance(table, Mapping) else table) == golden, name


def test_current_gen_ai_attributes() -> None:
    mapped = map_span(
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.usage.input_tokens": 120,
            "gen_ai.usage.output_tokens": 30,
            "gen_ai.usage.cache_read.input_tokens": 100,
            "gen_ai.usage.cache_creation.input_tokens": 10,
            "gen_ai.usage.reasoning.output_tokens": 12,
            "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Be brief."}]),
            "gen_ai.input.messages": json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}]
            ),
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "parts": [{"type": "text", "content": "Hello"}]}]
            ),
            "gen_ai.conversation.id": "conv-7",
        }
    )
    assert mapped == MappedSpan(
        kind=SpanKind.LLM,
        model="gpt-4o-2024-08-06",
        provider="openai",
        input_tokens=120,
        output_tokens=30,
        total_tokens=150,
        cache_read_tokens=100,
        cache_write_tokens=10,
        reasoning_tokens=12,
        session_id="conv-7",
        input=json.dumps(
            [
                {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
                {"role": "user", "parts": [{"type": "text", "content": "Hi"}]},
            ]
        ),
        output=json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": "Hello"}]}]),
    )


def test_deprecated_gen_ai_names_and_legacy_content_events() -> None:
    mapped = map_span(
        {
            "gen_ai.system": "anthropic",
            "gen_ai.request.model": "claude-sonnet-4-20250514",
            "gen_ai.usage.prompt_tokens": 50,
            "gen_ai.usage.completion_tokens": 7,
            "gen_ai.usage.cache_read_input_tokens": 4,
            "gen_ai.usage.cache_creation_input_tokens": 1,
        },
        events=[
            SpanEvent("gen_ai.content.prompt", {"gen_ai.prompt": "Say hi"}),
            SpanEvent("gen_ai.content.completion", {"gen_ai.completion": "hi"}),
        ],
    )
    assert (mapped.kind, mapped.provider, mapped.model) == (
        SpanKind.LLM,
        "anthropic",
        "claude-sonnet-4-20250514",
    )
    assert (mapped.input_tokens, mapped.output_tokens, mapped.total_tokens) == (50, 7, 57)
    assert (mapped.cache_read_tokens, mapped.cache_write_tokens) == (4, 1)
    assert (mapped.input, mapped.output) == ("Say hi", "hi")


def test_indexed_legacy_prompt_attributes_and_per_message_events() -> None:
    indexed = map_span(
        {
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": "Hi",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.content": "Hello",
        }
    )
    assert json.loads(indexed.input or "") == [{"role": "user", "content": "Hi"}]
    assert json.loads(indexed.output or "") == [{"role": "assistant", "content": "Hello"}]
    events = map_span(
        {},
        events=[
            SpanEvent("gen_ai.system.message", {"content": "Be brief"}),
            SpanEvent("gen_ai.user.message", {"content": "Hi"}),
            SpanEvent("gen_ai.choice", {"message": "Hello"}),
        ],
    )
    assert json.loads(events.input or "") == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "Hi"},
    ]
    assert json.loads(events.output or "") == ["Hello"]


def test_anthropic_style_input_without_cache_is_made_a_total() -> None:
    mapped = map_span(
        {
            "gen_ai.usage.input_tokens": 5_000,
            "gen_ai.usage.cache_read.input_tokens": 40_000,
            "gen_ai.usage.output_tokens": 10,
        }
    )
    assert mapped.input_tokens == 45_000
    assert mapped.total_tokens == 45_010


def test_openinference_attributes() -> None:
    mapped = map_span(
        {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o-mini",
            "llm.provider": "openai",
            "llm.token_count.prompt": 20,
            "llm.token_count.completion": 5,
            "llm.token_count.total": 25,
            "llm.token_count.prompt_details.cache_read": 8,
            "llm.token_count.completion_details.reasoning": 2,
            "llm.input_messages.0.message.role": "system",
            "llm.input_messages.0.message.content": "Be brief",
            "llm.input_messages.1.message.role": "user",
            "llm.input_messages.1.message.content": "Hi",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": "Hello",
            "session.id": "sess-1",
            "user.id": "user-1",
            "tag.tags": ["beta", "eval"],
        }
    )
    assert mapped.kind is SpanKind.LLM
    assert (mapped.model, mapped.provider) == ("gpt-4o-mini", "openai")
    assert (mapped.input_tokens, mapped.output_tokens, mapped.total_tokens) == (20, 5, 25)
    assert (mapped.cache_read_tokens, mapped.reasoning_tokens) == (8, 2)
    assert json.loads(mapped.input or "") == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "Hi"},
    ]
    assert json.loads(mapped.output or "") == [{"role": "assistant", "content": "Hello"}]
    assert (mapped.session_id, mapped.user_id, mapped.tags) == (
        "sess-1",
        "user-1",
        ("beta", "eval"),
    )


def test_openinference_values_and_retrieval_documents() -> None:
    chain = map_span({"openinference.span.kind": "CHAIN", "input.value": "q", "output.value": "a"})
    assert (chain.kind, chain.input, chain.output) == (SpanKind.CHAIN, "q", "a")
    retriever = map_span(
        {
            "openinference.span.kind": "RETRIEVER",
            "input.value": "reset password",
            "retrieval.documents.1.document.id": "kb-2",
            "retrieval.documents.0.document.id": "kb-1",
            "retrieval.documents.0.document.content": "Use the login page.",
            "retrieval.documents.0.document.score": 0.9,
        }
    )
    assert retriever.kind is SpanKind.RETRIEVAL
    assert json.loads(retriever.output or "") == [
        {"id": "kb-1", "content": "Use the login page.", "score": 0.9},
        {"id": "kb-2"},
    ]


def test_llmloop_attributes_win_and_resource_fills_in() -> None:
    mapped = map_span(
        {
            "llmloop.kind": "guardrail",
            "openinference.span.kind": "LLM",
            "llmloop.session_id": "s-own",
            "session.id": "s-other",
            "llmloop.user_id": "u-own",
            "llmloop.variant": "canary",
            "llmloop.rollout_step": 2,
            "llmloop.tags": ["eval"],
            "llmloop.cost_usd": 0.25,
        },
        resource={
            "llmloop.app": "support-bot",
            "service.version": "1.2.3",
            "deployment.environment.name": "staging",
        },
    )
    assert mapped.kind is SpanKind.GUARDRAIL
    assert (mapped.session_id, mapped.user_id, mapped.variant) == ("s-own", "u-own", "canary")
    assert (mapped.rollout_step, mapped.tags, mapped.client_cost_usd) == (2, ("eval",), 0.25)
    assert (mapped.app, mapped.app_version, mapped.environment) == (
        "support-bot",
        "1.2.3",
        "staging",
    )


def test_service_name_is_the_app_unless_it_is_the_sdk_placeholder() -> None:
    assert map_span({}, resource={"service.name": "billing"}).app == "billing"
    assert map_span({}, resource={"service.name": "unknown_service:python"}).app is None


@pytest.mark.parametrize(
    ("attributes", "kind"),
    [
        ({"gen_ai.operation.name": "embeddings"}, SpanKind.EMBEDDING),
        ({"gen_ai.operation.name": "execute_tool"}, SpanKind.TOOL),
        ({"gen_ai.operation.name": "invoke_agent"}, SpanKind.AGENT),
        ({"openinference.span.kind": "reranker"}, SpanKind.RERANK),
        ({"openinference.span.kind": "EVALUATOR"}, SpanKind.EVALUATOR),
        ({"gen_ai.request.model": "gpt-4o"}, SpanKind.LLM),
        ({"http.method": "GET"}, SpanKind.SPAN),
        ({}, SpanKind.SPAN),
    ],
)
def test_kinds(attributes: dict[str, Any], kind: SpanKind) -> None:
    assert map_span(attributes).kind is kind


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ({"gen_ai.usage.input_tokens": "many"}, "gen_ai.usage.input_tokens must be a whole"),
        ({"gen_ai.usage.output_tokens": -1}, "must be between 0"),
        ({"gen_ai.usage.output_tokens": True}, "got a boolean"),
        ({"llm.token_count.prompt": 10**13}, "must be between 0"),
        ({"llmloop.kind": "wizard"}, "llmloop.kind is 'wizard'"),
        ({"llmloop.cost_usd": "free"}, "llmloop.cost_usd must be a number"),
        ({"llmloop.cost_usd": -0.5}, "must be an amount between 0"),
        ({"llmloop.rollout_step": 2.5}, "must be a whole number"),
        ({"gen_ai.request.model": ["a", "b"]}, "gen_ai.request.model must be text"),
        ({"llmloop.tags": {"a": 1}}, "must be a list of strings"),
    ],
)
def test_values_of_the_wrong_type_are_refused_with_the_key(
    attributes: dict[str, Any], reason: str
) -> None:
    with pytest.raises(AttributeTypeError, match=reason.replace(".", r"\.")):
        map_span(attributes)


def test_numbers_sent_as_strings_are_accepted() -> None:
    mapped = map_span({"gen_ai.usage.input_tokens": "42", "llmloop.cost_usd": "0.5"})
    assert (mapped.input_tokens, mapped.client_cost_usd) == (42, 0.5)
