"""The real ``anthropic`` SDK, instrumented, against a fake server speaking its wire protocol."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import llmloop
from tests.sdk.conftest import MemorySink
from tests.sdk.fakes import FakeAnthropic, attributes_of

MODEL = "claude-sonnet-4-20250514"
MESSAGES = [{"role": "user", "content": "ping"}]
TOOLS = [{"name": "get_weather", "input_schema": {"type": "object"}}]


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def instrumented(memory_sink: MemorySink) -> Iterator[MemorySink]:
    llmloop.instrument_anthropic()
    yield memory_sink
    llmloop.uninstrument()


def _client(fake: FakeAnthropic, **options: Any) -> anthropic.Anthropic:
    options.setdefault("open_telemetry", False)
    return anthropic.Anthropic(api_key="k", base_url=fake.url, max_retries=0, **options)


def _only_span(sink: MemorySink) -> dict[str, Any]:
    llmloop.flush(10)
    (span,) = sink.spans
    return attributes_of(span)


def _assert_usage(attributes: dict[str, Any]) -> None:
    assert attributes["gen_ai.usage.input_tokens"] == 20 + 100 + 5  # total, cache included
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 100
    assert attributes["gen_ai.usage.cache_write.input_tokens"] == 5
    assert attributes["gen_ai.usage.output_tokens"] == 9


def test_messages_create_records_everything(
    fake_anthropic: FakeAnthropic, instrumented: MemorySink
) -> None:
    message = _client(fake_anthropic).messages.create(
        model=MODEL,
        max_tokens=64,
        system="be brief",
        messages=MESSAGES,
        tools=TOOLS,  # type: ignore[arg-type]
    )
    assert message.content[0].type == "text"
    attributes = _only_span(instrumented)
    assert attributes["gen_ai.provider.name"] == "anthropic"
    assert attributes["gen_ai.request.model"] == MODEL
    assert attributes["gen_ai.request.max_tokens"] == 64
    assert json.loads(attributes["input.value"]) == MESSAGES
    assert attributes["gen_ai.system_instructions"] == "be brief"
    output = json.loads(attributes["output.value"])
    assert output["content"] == "pong"
    assert output["tool_calls"][0]["name"] == "get_weather"
    assert output["tool_calls"][0]["arguments"] == {"city": "Oslo"}
    assert attributes["gen_ai.response.finish_reasons"] == ["tool_use"]
    _assert_usage(attributes)


def test_create_with_stream_true(fake_anthropic: FakeAnthropic, instrumented: MemorySink) -> None:
    events = _client(fake_anthropic).messages.create(
        model=MODEL,
        max_tokens=64,
        messages=MESSAGES,
        stream=True,  # type: ignore[arg-type]
    )
    kinds = [event.type for event in events]
    assert kinds[0] == "message_start"
    assert kinds[-1] == "message_stop"
    attributes = _only_span(instrumented)
    assert attributes["output.value"] == "pong"
    assert attributes["llmloop.time_to_first_token_ms"] >= 0
    _assert_usage(attributes)


def test_messages_stream_helper(fake_anthropic: FakeAnthropic, instrumented: MemorySink) -> None:
    with _client(fake_anthropic).messages.stream(
        model=MODEL,
        max_tokens=64,
        messages=MESSAGES,  # type: ignore[arg-type]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "pong"
    assert final.usage.output_tokens == 9
    attributes = _only_span(instrumented)
    assert attributes["output.value"] == "pong"
    assert attributes["gen_ai.request.stream"] is True
    assert attributes["gen_ai.response.finish_reasons"] == ["end_turn"]
    _assert_usage(attributes)


def test_async_create_and_stream(fake_anthropic: FakeAnthropic, instrumented: MemorySink) -> None:
    async def main() -> list[str]:
        client = anthropic.AsyncAnthropic(
            api_key="k", base_url=fake_anthropic.url, max_retries=0, open_telemetry=False
        )
        message = await client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)  # type: ignore[arg-type]
        async with client.messages.stream(
            model=MODEL,
            max_tokens=64,
            messages=MESSAGES,  # type: ignore[arg-type]
        ) as stream:
            streamed = "".join([text async for text in stream.text_stream])
        await client.close()
        first = message.content[0]
        return [first.text if first.type == "text" else "", streamed]

    assert asyncio.run(main()) == ["pong", "pong"]
    llmloop.flush(10)
    assert [attributes_of(s)["output.value"] for s in instrumented.spans] == ["pong", "pong"]


def test_the_sdks_own_span_steps_aside_so_a_call_is_recorded_once(
    fake_anthropic: FakeAnthropic, memory_sink: MemorySink
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    client = _client(fake_anthropic, open_telemetry={"tracer_provider": provider})
    client.messages.create(model=MODEL, max_tokens=8, messages=MESSAGES)  # type: ignore[arg-type]
    assert [s.name for s in exporter.get_finished_spans()] == ["anthropic.messages.create"]

    exporter.clear()
    llmloop.instrument_anthropic()
    try:
        client.messages.create(model=MODEL, max_tokens=8, messages=MESSAGES)  # type: ignore[arg-type]
    finally:
        llmloop.uninstrument()
    llmloop.flush(10)
    assert exporter.get_finished_spans() == ()  # recorded by llmloop instead, once
    assert [s.name for s in memory_sink.spans] == ["anthropic.messages"]

    client.messages.create(model=MODEL, max_tokens=8, messages=MESSAGES)  # type: ignore[arg-type]
    assert len(exporter.get_finished_spans()) == 1  # uninstrumented: the SDK's span is back
    provider.shutdown()


def test_a_missing_library_is_a_clear_error_and_instrument_skips_it(
    monkeypatch: pytest.MonkeyPatch, memory_sink: MemorySink
) -> None:
    import importlib.util

    from llmloop.errors import ConfigurationError

    real_find_spec = importlib.util.find_spec

    def without_anthropic(name: str, *args: Any) -> Any:
        return None if name == "anthropic" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_anthropic)
    with pytest.raises(ConfigurationError, match="not installed"):
        llmloop.instrument_anthropic()
    try:
        assert llmloop.instrument() == ["openai"]
    finally:
        llmloop.uninstrument()
