"""The OpenAI-compatible adapter against a loopback server speaking the OpenAI wire protocol."""

from __future__ import annotations

import asyncio
import threading
from email.utils import format_datetime

import pytest

from llmloop.build.providers import ClockSleeper, ModelProvider, OpenAIProvider
from llmloop.domain.chat import (
    ChatMessage,
    ChatRequest,
    EmbeddingRequest,
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
    ProviderTimeoutError,
    UnknownModelError,
    ValidationError,
)
from tests.build.providers.conftest import API_KEY, make_provider
from tests.fakes.openai_api import (
    openai_chat,
    openai_chat_stream,
    openai_embeddings,
    openai_error,
)
from tests.fakes.wire_server import WireReply, WireServer

WEATHER = ToolDefinition(
    name="get_weather",
    description="Current weather in a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}},
)
# gpt-4o: $2.50 per million input tokens, $1.25 cached, $10 output. The fake's usage is
# 1,200 input (200 of them cached) and 80 output: 1000 x 2.5 + 200 x 1.25 + 80 x 10.
GPT_4O_COST_USD = (1000 * 2.5 + 200 * 1.25 + 80 * 10) / 1_000_000


def _request(**changes: object) -> ChatRequest:
    fields: dict[str, object] = {
        "model": "gpt-4o",
        "messages": (ChatMessage.system("Be brief."), ChatMessage.user("Hello?")),
    }
    fields.update(changes)
    return ChatRequest.model_validate(fields)


def test_chat_sends_the_openai_wire_format_and_reads_usage_and_cost(
    openai_provider: ModelProvider, wire_server: WireServer
) -> None:
    wire_server.enqueue(openai_chat("Hi there."))
    response = openai_provider.chat(
        _request(temperature=0.2, max_tokens=50, extras={"seed": 3, "top_p": 0.5})
    )

    sent = wire_server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.json["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello?"},
    ]
    assert (sent.json["temperature"], sent.json["max_tokens"]) == (0.2, 50)
    assert (sent.json["seed"], sent.json["top_p"]) == (3, 0.5)
    assert "stream" not in sent.json
    assert response.text == "Hi there."
    assert response.finish_reason is FinishReason.STOP
    assert response.usage.input_tokens == 1200
    assert response.usage.output_tokens == 80
    assert response.usage.cache_read_tokens == 200
    assert response.usage.reasoning_tokens == 30
    assert response.cost_usd == pytest.approx(GPT_4O_COST_USD)
    assert response.provider == "test-openai"
    assert response.provider_model == "gpt-4o-2024-08-06"


def test_tool_calls_round_trip(openai_provider: ModelProvider, wire_server: WireServer) -> None:
    wire_server.enqueue(
        openai_chat(None, tool_calls=(("call_1", "get_weather", {"city": "Oslo"}),))
    )
    first = openai_provider.chat(_request(tools=(WEATHER,)))
    assert first.finish_reason is FinishReason.TOOL_CALLS
    assert first.tool_calls == (
        ToolCall(id="call_1", name="get_weather", arguments={"city": "Oslo"}),
    )
    assert first.text == ""
    assert wire_server.requests[0].json["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Current weather in a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]

    wire_server.enqueue(openai_chat("It is sunny in Oslo."))
    conversation = (
        ChatMessage.user("Weather in Oslo?"),
        first.as_message(),
        ChatMessage.tool("call_1", '{"sky": "clear"}'),
    )
    second = openai_provider.chat(_request(messages=conversation, tools=(WEATHER,)))
    assert second.text == "It is sunny in Oslo."
    sent = wire_server.requests[1].json["messages"]
    assert sent[1]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Oslo"}',
    }
    assert sent[2] == {"role": "tool", "content": '{"sky": "clear"}', "tool_call_id": "call_1"}


def _collect(events: list[StreamEvent]) -> tuple[str, StreamCompleted]:
    deltas = [event.text for event in events if isinstance(event, TextDelta)]
    completed = [event for event in events if isinstance(event, StreamCompleted)]
    assert len(completed) == 1
    assert events[-1] is completed[0]
    return "".join(deltas), completed[0]


def test_stream_yields_text_then_one_completed_response(
    openai_provider: ModelProvider, wire_server: WireServer
) -> None:
    wire_server.enqueue(openai_chat_stream(("The sky ", "is ", "blue.")))
    text, completed = _collect(list(openai_provider.stream(_request())))
    assert text == "The sky is blue."
    assert completed.response.text == "The sky is blue."
    assert completed.response.usage.input_tokens == 1200
    assert completed.response.cost_usd == pytest.approx(GPT_4O_COST_USD)
    sent = wire_server.requests[0].json
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}


def test_streamed_tool_call_fragments_are_assembled(
    openai_provider: ModelProvider, wire_server: WireServer
) -> None:
    wire_server.enqueue(
        openai_chat_stream(tool_calls=(("call_7", "get_weather", {"city": "Bergen"}),))
    )
    _, completed = _collect(list(openai_provider.stream(_request(tools=(WEATHER,)))))
    assert completed.response.tool_calls == (
        ToolCall(id="call_7", name="get_weather", arguments={"city": "Bergen"}),
    )
    assert completed.response.finish_reason is FinishReason.TOOL_CALLS


def test_async_chat_and_stream(openai_provider: ModelProvider, wire_server: WireServer) -> None:
    wire_server.enqueue(openai_chat("async answer"), openai_chat_stream(("a", "b")))

    async def run() -> tuple[str, list[StreamEvent]]:
        response = await openai_provider.achat(_request())
        events = [event async for event in openai_provider.astream(_request())]
        return response.text, events

    text, events = asyncio.run(run())
    assert text == "async answer"
    streamed, completed = _collect(events)
    assert streamed == "ab" == completed.response.text


@pytest.mark.parametrize(
    ("reply", "error_class", "needle"),
    [
        (
            openai_error(401, f"Incorrect API key provided: {API_KEY}"),
            ProviderCredentialsError,
            "refused the API key",
        ),
        (
            openai_error(404, "The model `gpt-9` does not exist", code="model_not_found"),
            UnknownModelError,
            "does not know that model",
        ),
        (
            openai_error(
                400,
                "This model's maximum context length is 128000 tokens.",
                code="context_length_exceeded",
            ),
            ContextLengthError,
            "too long",
        ),
        (
            openai_error(400, "temperature must be at most 2"),
            ValidationError,
            "refused the request",
        ),
    ],
)
def test_client_errors_become_clear_llmloop_errors_without_retries(
    openai_provider: ModelProvider,
    wire_server: WireServer,
    reply: WireReply,
    error_class: type[Exception],
    needle: str,
) -> None:
    wire_server.enqueue(reply)
    with pytest.raises(error_class, match=needle) as caught:
        openai_provider.chat(_request())
    assert type(caught.value) is error_class
    assert API_KEY not in str(caught.value)
    assert len(wire_server.requests) == 1


def test_429_is_retried_after_the_retry_after_seconds_on_the_clock(
    openai_provider: ModelProvider,
    wire_server: WireServer,
    sleeper: ClockSleeper,
    clock: ManualClock,
) -> None:
    wire_server.enqueue(
        openai_error(429, "Rate limit reached", error_type="rate_limit_error", retry_after="7"),
        openai_chat("finally"),
    )
    response = openai_provider.chat(_request())
    assert response.text == "finally"
    assert sleeper.waits_s == [7.0]
    assert clock.monotonic() == 7.0
    assert len(wire_server.requests) == 2


def test_retry_after_as_an_http_date_is_honoured(
    openai_provider: ModelProvider,
    wire_server: WireServer,
    sleeper: ClockSleeper,
    clock: ManualClock,
) -> None:
    from datetime import timedelta

    later = format_datetime(clock.now() + timedelta(seconds=30), usegmt=True)
    wire_server.enqueue(openai_error(503, "busy", retry_after=later), openai_chat("ok"))
    assert openai_provider.chat(_request()).text == "ok"
    assert sleeper.waits_s == [30.0]


def test_5xx_backs_off_exponentially_with_jitter_then_gives_up(
    openai_provider: ModelProvider, wire_server: WireServer, sleeper: ClockSleeper
) -> None:
    wire_server.enqueue(*(openai_error(500, "boom", error_type="server_error") for _ in range(3)))
    with pytest.raises(ProviderError, match="HTTP 500") as caught:
        openai_provider.chat(_request())
    assert caught.value.retryable
    assert caught.value.status == 500
    assert len(wire_server.requests) == 3  # one try and max_retries=2 retries
    first, second = sleeper.waits_s
    assert 0.25 <= first <= 0.5  # base 0.5 s: half fixed, half jitter
    assert 0.5 <= second <= 1.0  # doubled


def test_a_retry_after_longer_than_the_policy_allows_fails_at_once(
    openai_provider: ModelProvider, wire_server: WireServer, sleeper: ClockSleeper
) -> None:
    wire_server.enqueue(openai_error(429, "quota", retry_after="3600"))
    with pytest.raises(ProviderRateLimitError) as caught:
        openai_provider.chat(_request())
    assert caught.value.retry_after_s == 3600.0
    assert sleeper.waits_s == []
    assert len(wire_server.requests) == 1


def test_a_silent_server_times_out_as_a_provider_timeout(
    wire_server: WireServer, clock: ManualClock, sleeper: ClockSleeper
) -> None:
    provider = make_provider("openai", wire_server, clock, sleeper, timeout_s=0.2, max_retries=0)
    release = threading.Event()
    wire_server.enqueue(WireReply(body={}, hold=release))
    try:
        with pytest.raises(ProviderTimeoutError, match=r"did not answer within 0\.2 s"):
            provider.chat(_request())
    finally:
        release.set()
        provider.close()


def test_an_unreachable_server_is_a_retryable_provider_error(
    clock: ManualClock, sleeper: ClockSleeper
) -> None:
    with WireServer() as closed:
        pass  # started and stopped: nothing listens on its port any more
    provider = make_provider("openai", closed, clock, sleeper, max_retries=1)
    with pytest.raises(ProviderError, match="cannot be reached") as caught:
        provider.chat(_request())
    assert caught.value.retryable
    assert len(sleeper.waits_s) == 1


def test_a_stream_cut_midway_ends_with_an_error_not_a_hang(
    openai_provider: ModelProvider, wire_server: WireServer
) -> None:
    wire_server.enqueue(openai_chat_stream(("one ", "two ", "three"), cut_after_events=2))
    events: list[StreamEvent] = []
    with pytest.raises(ProviderError):
        events.extend(openai_provider.stream(_request()))
    assert all(isinstance(event, TextDelta) for event in events)


def test_embeddings_come_back_in_input_order_with_usage_and_cost(
    openai_provider: ModelProvider, wire_server: WireServer
) -> None:
    assert isinstance(openai_provider, OpenAIProvider)
    wire_server.enqueue(openai_embeddings(((0.1, 0.2), (0.3, 0.4)), prompt_tokens=1_000_000))
    result = openai_provider.embed(
        EmbeddingRequest(model="text-embedding-3-small", inputs=("a", "b"))
    )
    assert result.vectors == ((0.1, 0.2), (0.3, 0.4))
    assert result.usage.input_tokens == 1_000_000
    assert result.cost_usd == pytest.approx(0.02)  # $0.02 per million tokens
    assert wire_server.requests[0].path == "/v1/embeddings"
    assert wire_server.requests[0].json["input"] == ["a", "b"]


def test_self_hosted_endpoints_are_unpriced_and_send_profile_headers_and_query(
    wire_server: WireServer, clock: ManualClock, sleeper: ClockSleeper
) -> None:
    provider = make_provider(
        "openai",
        wire_server,
        clock,
        sleeper,
        price_provider=None,
        headers={"api-key": "azure-style"},
        query={"api-version": "2025-04-01"},
    )
    wire_server.enqueue(openai_chat("self-hosted", model="llama-3.1-8b"))
    response = provider.chat(_request(model="llama-3.1-8b"))
    provider.close()
    assert response.cost_usd is None  # unknown, not zero
    assert wire_server.requests[0].headers["api-key"] == "azure-style"
    assert wire_server.requests[0].path == "/v1/chat/completions?api-version=2025-04-01"
