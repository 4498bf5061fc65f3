"""The Anthropic adapter against a loopback server speaking the Messages wire protocol."""

from __future__ import annotations

import asyncio

import pytest

from llmloop.build.providers import ClockSleeper, ModelProvider
from llmloop.domain.chat import (
    ChatMessage,
    ChatRequest,
    FinishReason,
    StreamCompleted,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolDefinition,
)
from llmloop.domain.clock import ManualClock
from llmloop.errors import (
    ContextLengthError,
    ProviderCredentialsError,
    ProviderError,
    ProviderRateLimitError,
    UnknownModelError,
)
from tests.build.providers.conftest import API_KEY
from tests.fakes.anthropic_api import anthropic_error, anthropic_message, anthropic_stream
from tests.fakes.wire_server import WireReply, WireServer

LOOKUP = ToolDefinition(
    name="lookup_order",
    description="Find an order",
    parameters={"type": "object", "properties": {"order_id": {"type": "string"}}},
)
# claude-sonnet-4: $3 input, $0.30 cache read, $3.75 cache write, $15 output per million.
# The fake reports 1000 uncached + 200 read + 50 written input tokens and 90 output tokens.
SONNET_COST_USD = (1000 * 3 + 200 * 0.3 + 50 * 3.75 + 90 * 15) / 1_000_000


def _request(**changes: object) -> ChatRequest:
    fields: dict[str, object] = {
        "model": "claude-sonnet-4-20250514",
        "messages": (
            ChatMessage.system("You are terse."),
            ChatMessage.system("Use British spelling."),
            ChatMessage.user("Colour of the sky?"),
        ),
    }
    fields.update(changes)
    return ChatRequest.model_validate(fields)


def test_chat_sends_messages_format_and_counts_cache_tokens_into_input(
    anthropic_provider: ModelProvider, wire_server: WireServer
) -> None:
    wire_server.enqueue(anthropic_message("Blue."))
    response = anthropic_provider.chat(_request(temperature=1.5, extras={"top_k": 5}))

    sent = wire_server.requests[0]
    assert sent.path == "/v1/messages"
    assert API_KEY in (sent.headers.get("x-api-key", "") + sent.headers.get("authorization", ""))
    assert sent.json["system"] == "You are terse.\n\nUse British spelling."
    assert sent.json["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Colour of the sky?"}]}
    ]
    assert sent.json["max_tokens"] == 1024  # required by the API; llmloop's default
    assert sent.json["temperature"] == 1.0  # Anthropic's range ends at 1
    assert sent.json["top_k"] == 5
    assert response.text == "Blue."
    assert response.finish_reason is FinishReason.STOP
    assert response.usage.input_tokens == 1250
    assert response.usage.cache_read_tokens == 200
    assert response.usage.cache_write_tokens == 50
    assert response.usage.output_tokens == 90
    assert response.cost_usd == pytest.approx(SONNET_COST_USD)
    assert response.provider_model == "claude-sonnet-4-20250514"


def test_tool_use_round_trip_merges_tool_results_into_user_turns(
    anthropic_provider: ModelProvider, wire_server: WireServer
) -> None:
    wire_server.enqueue(
        anthropic_message(
            "Let me check.",
            tool_uses=(
                ("toolu_1", "lookup_order", {"order_id": "A1"}),
                ("toolu_2", "lookup_order", {"order_id": "B2"}),
            ),
        )
    )
    first = anthropic_provider.chat(_request(tools=(LOOKUP,)))
    assert first.finish_reason is FinishReason.TOOL_CALLS
    assert first.text == "Let me check."
    assert [call.arguments for call in first.tool_calls] == [{"order_id": "A1"}, {"order_id": "B2"}]
    assert wire_server.requests[0].json["tools"] == [
        {
            "name": "lookup_order",
            "description": "Find an order",
            "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}}},
        }
    ]

    wire_server.enqueue(anthropic_message("Both shipped."))
    conversation = (
        ChatMessage.user("Where are A1 and B2?"),
        first.as_message(),
        ChatMessage.tool("toolu_1", "shipped"),
        ChatMessage.tool("toolu_2", "shipped"),
    )
    anthropic_provider.chat(_request(messages=conversation))
    turns = wire_server.requests[1].json["messages"]
    assert [turn["role"] for turn in turns] == ["user", "assistant", "user"]
    assert turns[1]["content"][1] == {
        "type": "tool_use",
        "id": "toolu_1",
        "name": "lookup_order",
        "input": {"order_id": "A1"},
    }
    assert [block["tool_use_id"] for block in turns[2]["content"]] == ["toolu_1", "toolu_2"]


def _collect(events: list[StreamEvent]) -> tuple[str, StreamCompleted]:
    completed = [event for event in events if isinstance(event, StreamCompleted)]
    assert len(completed) == 1
    assert events[-1] is completed[0]
    return "".join(e.text for e in events if isinstance(e, TextDelta)), completed[0]


def test_stream_with_text_and_tool_use(
    anthropic_provider: ModelProvider, wire_server: WireServer
) -> None:
    wire_server.enqueue(
        anthropic_stream(
            ("Checking ", "now."), tool_uses=(("toolu_9", "lookup_order", {"order_id": "Z9"}),)
        )
    )
    text, completed = _collect(list(anthropic_provider.stream(_request(tools=(LOOKUP,)))))
    assert text == "Checking now." == completed.response.text
    assert completed.response.tool_calls == (
        ToolCall(id="toolu_9", name="lookup_order", arguments={"order_id": "Z9"}),
    )
    assert completed.response.finish_reason is FinishReason.TOOL_CALLS
    assert completed.response.usage.input_tokens == 1250
    assert completed.response.usage.output_tokens == 90
    assert completed.response.cost_usd == pytest.approx(SONNET_COST_USD)
    assert wire_server.requests[0].json["stream"] is True


def test_async_chat_and_stream(anthropic_provider: ModelProvider, wire_server: WireServer) -> None:
    wire_server.enqueue(anthropic_message("one"), anthropic_stream(("t", "wo")))

    async def run() -> tuple[str, list[StreamEvent]]:
        response = await anthropic_provider.achat(_request())
        return response.text, [event async for event in anthropic_provider.astream(_request())]

    text, events = asyncio.run(run())
    assert text == "one"
    assert _collect(events)[0] == "two"


@pytest.mark.parametrize(
    ("reply", "error_class"),
    [
        (
            anthropic_error(401, "invalid x-api-key", error_type="authentication_error"),
            ProviderCredentialsError,
        ),
        (anthropic_error(404, "model: claude-9", error_type="not_found_error"), UnknownModelError),
        (
            anthropic_error(
                400,
                "prompt is too long: 210000 tokens > 200000 maximum",
                error_type="invalid_request_error",
            ),
            ContextLengthError,
        ),
    ],
)
def test_client_errors_are_translated(
    anthropic_provider: ModelProvider,
    wire_server: WireServer,
    reply: WireReply,
    error_class: type[Exception],
) -> None:
    wire_server.enqueue(reply)
    with pytest.raises(error_class):
        anthropic_provider.chat(_request())
    assert len(wire_server.requests) == 1


def test_overloaded_529_is_retried_honouring_retry_after(
    anthropic_provider: ModelProvider,
    wire_server: WireServer,
    sleeper: ClockSleeper,
    clock: ManualClock,
) -> None:
    wire_server.enqueue(
        anthropic_error(529, "Overloaded", error_type="overloaded_error", retry_after="2"),
        anthropic_error(429, "slow down", error_type="rate_limit_error", retry_after="3"),
        anthropic_message("made it"),
    )
    assert anthropic_provider.chat(_request()).text == "made it"
    assert sleeper.waits_s == [2.0, 3.0]
    assert clock.monotonic() == 5.0


def test_retries_exhausted_raise_the_last_rate_limit(
    anthropic_provider: ModelProvider, wire_server: WireServer
) -> None:
    wire_server.enqueue(
        *(
            anthropic_error(429, "slow down", error_type="rate_limit_error", retry_after="1")
            for _ in range(3)
        )
    )
    with pytest.raises(ProviderRateLimitError, match="rate-limiting"):
        anthropic_provider.chat(_request())
    assert len(wire_server.requests) == 3


def test_a_cut_stream_raises(anthropic_provider: ModelProvider, wire_server: WireServer) -> None:
    wire_server.enqueue(anthropic_stream(("a", "b", "c"), cut_after_events=4))
    with pytest.raises(ProviderError):
        list(anthropic_provider.stream(_request()))
