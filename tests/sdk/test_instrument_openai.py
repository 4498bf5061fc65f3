"""The real ``openai`` SDK, instrumented, against a fake server speaking its wire protocol."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import llmloop
from tests.sdk.conftest import MemorySink
from tests.sdk.fakes import FakeOpenAI, attributes_of

MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "ping"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def instrumented(memory_sink: MemorySink) -> Iterator[MemorySink]:
    llmloop.instrument_openai()
    yield memory_sink
    llmloop.uninstrument()


def _client(fake: FakeOpenAI) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=fake.url + "/v1", max_retries=0, timeout=10)


def _async_client(fake: FakeOpenAI) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        api_key="sk-test", base_url=fake.url + "/v1", max_retries=0, timeout=10
    )


def _llm_span(sink: MemorySink) -> dict[str, Any]:
    llmloop.flush(10)
    (span,) = [s for s in sink.spans if attributes_of(s)["llmloop.kind"] == "llm"]
    return attributes_of(span)


def test_chat_completion_records_model_params_messages_output_and_usage(
    fake_openai: FakeOpenAI, instrumented: MemorySink
) -> None:
    reply = _client(fake_openai).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, temperature=0.3, max_tokens=50
    )
    assert reply.choices[0].message.content == "pong"
    attributes = _llm_span(instrumented)
    assert attributes["gen_ai.provider.name"] == "openai"
    assert attributes["gen_ai.request.model"] == "gpt-4o-mini"
    assert attributes["gen_ai.response.model"] == "gpt-4o-mini"
    assert attributes["gen_ai.request.temperature"] == 0.3
    assert attributes["gen_ai.request.max_tokens"] == 50
    assert json.loads(attributes["input.value"]) == MESSAGES
    assert attributes["output.value"] == "pong"
    assert attributes["gen_ai.usage.input_tokens"] == 30
    assert attributes["gen_ai.usage.output_tokens"] == 12
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 10
    assert attributes["gen_ai.usage.reasoning.output_tokens"] == 4
    assert attributes["gen_ai.response.finish_reasons"] == ["stop"]


def test_streaming_records_time_to_first_token_and_usage(
    fake_openai: FakeOpenAI, instrumented: MemorySink
) -> None:
    stream = _client(fake_openai).chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": True},
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "pong"
    attributes = _llm_span(instrumented)
    assert attributes["output.value"] == "pong"
    assert attributes["gen_ai.request.stream"] is True
    assert attributes["llmloop.time_to_first_token_ms"] >= 0
    assert attributes["gen_ai.usage.output_tokens"] == 12


def test_tool_calls_are_recorded_plain_and_streamed(
    fake_openai: FakeOpenAI, instrumented: MemorySink
) -> None:
    client = _client(fake_openai)
    client.chat.completions.create(model="gpt-4o", messages=MESSAGES, tools=TOOLS)  # type: ignore[arg-type]
    with client.chat.completions.create(
        model="gpt-4o",
        messages=MESSAGES,  # type: ignore[arg-type]
        tools=TOOLS,  # type: ignore[arg-type]
        stream=True,
    ) as stream:
        for _ in stream:
            pass
    llmloop.flush(10)
    outputs = [json.loads(attributes_of(s)["output.value"]) for s in instrumented.spans]
    for output in outputs:
        (call,) = output["tool_calls"]
        assert call["name"] == "get_weather"
        assert json.loads(call["arguments"]) == {"city": "Oslo"}
    assert all(attributes_of(s)["gen_ai.tool.names"] == ["get_weather"] for s in instrumented.spans)
    assert "get_weather" in attributes_of(instrumented.spans[0])["gen_ai.tool.definitions"]


def test_async_plain_and_streaming(fake_openai: FakeOpenAI, instrumented: MemorySink) -> None:
    async def main() -> str:
        client = _async_client(fake_openai)
        plain = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
        stream = await client.chat.completions.create(
            model="gpt-4o",
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        )
        pieces = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        await client.close()
        return f"{plain.choices[0].message.content}|{''.join(pieces)}"

    assert asyncio.run(main()) == "pong|pong"
    llmloop.flush(10)
    assert [attributes_of(s)["output.value"] for s in instrumented.spans] == ["pong", "pong"]


def test_errors_are_recorded_and_raised_unchanged(
    fake_openai: FakeOpenAI, instrumented: MemorySink
) -> None:
    fake_openai.fail_with = 500
    with pytest.raises(openai.InternalServerError):
        _client(fake_openai).chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
    llmloop.flush(10)
    (span,) = instrumented.spans
    assert span.status.code == span.status.STATUS_CODE_ERROR
    assert attributes_of(span)["error.type"] == "InternalServerError"
    assert attributes_of(span)["http.response.status_code"] == 500


def test_the_call_nests_under_the_apps_span_and_uninstrument_restores(
    fake_openai: FakeOpenAI, memory_sink: MemorySink
) -> None:
    from openai.resources.chat.completions.completions import Completions

    original = Completions.create
    llmloop.instrument_openai()
    llmloop.instrument_openai()  # twice is harmless
    assert Completions.create is not original

    @llmloop.observe(name="answer")
    def answer() -> str:
        reply = _client(fake_openai).chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
        return reply.choices[0].message.content or ""

    assert answer() == "pong"
    llmloop.uninstrument()
    assert Completions.create is original
    _client(fake_openai).chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
    llmloop.flush(10)
    assert len(memory_sink.spans) == 2  # the un-instrumented call made no span
    llm = next(s for s in memory_sink.spans if s.name == "openai.chat.completions")
    assert llm.parent_span_id == memory_sink.by_name("answer").span_id


def test_a_stream_dropped_half_read_still_ends_its_span(
    fake_openai: FakeOpenAI, instrumented: MemorySink
) -> None:
    import gc

    stream = _client(fake_openai).chat.completions.create(
        model="gpt-4o",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
    )
    next(stream)
    next(stream)  # "po" of "pong"
    del stream
    gc.collect()
    attributes = _llm_span(instrumented)
    assert attributes["output.value"] == "po"


def test_responses_api_plain_streamed_and_async(
    fake_openai: FakeOpenAI, instrumented: MemorySink
) -> None:
    client = _client(fake_openai)
    plain = client.responses.create(
        model="gpt-4.1-mini",
        input="ping",
        instructions="be brief",
        tools=[{"type": "function", "name": "get_weather", "parameters": {}}],  # type: ignore[list-item]
    )
    assert plain.output_text == "pong"
    streamed = client.responses.create(model="gpt-4.1-mini", input="ping", stream=True)
    deltas = [e.delta for e in streamed if e.type == "response.output_text.delta"]
    assert "".join(deltas) == "pong"

    async def main() -> str:
        async_client = _async_client(fake_openai)
        reply = await async_client.responses.create(model="gpt-4.1-mini", input="ping")
        await async_client.close()
        return reply.output_text

    assert asyncio.run(main()) == "pong"
    with client.responses.stream(model="gpt-4.1-mini", input="ping") as helper:
        assert helper.get_final_response().output_text == "pong"
    llmloop.flush(10)
    first, second, third, fourth = (attributes_of(s) for s in instrumented.spans)
    assert first["gen_ai.request.model"] == "gpt-4.1-mini"
    assert first["gen_ai.system_instructions"] == "be brief"
    assert json.loads(first["output.value"])["tool_calls"][0]["name"] == "get_weather"
    assert second["output.value"] == third["output.value"] == "pong"
    assert second["llmloop.time_to_first_token_ms"] >= 0
    assert fourth["output.value"] == "pong"  # the stream() helper goes through create()
    for attributes in (first, second, third, fourth):
        assert attributes["gen_ai.usage.input_tokens"] == 25
        assert attributes["gen_ai.usage.output_tokens"] == 7
        assert attributes["gen_ai.usage.cache_read.input_tokens"] == 5
        assert attributes["gen_ai.usage.reasoning.output_tokens"] == 3
