"""The tracing API: observe, span, context, helpers, content switch, masking, sampling."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

import llmloop
from llmloop.errors import ValidationError
from llmloop.sdk.otlp import MASK_FAILED
from tests.sdk.conftest import MemorySink
from tests.sdk.fakes import attributes_of


def _flushed(sink: MemorySink) -> MemorySink:
    result = llmloop.flush(10)
    assert result.complete
    return sink


def test_observe_records_sync_function_input_output_and_nesting(memory_sink: MemorySink) -> None:
    @llmloop.observe(kind="tool")
    def add(a: int, b: int = 2) -> int:
        return a + b

    @llmloop.observe
    def outer(n: int) -> int:
        return add(n, b=5)

    assert outer(1) == 6
    _flushed(memory_sink)
    inner, parent = (
        memory_sink.by_name(
            "test_observe_records_sync_function_input_output_and_nesting.<locals>.add"
        ),
        memory_sink.by_name(
            "test_observe_records_sync_function_input_output_and_nesting.<locals>.outer"
        ),
    )
    assert inner.parent_span_id == parent.span_id
    assert inner.trace_id == parent.trace_id
    assert not parent.parent_span_id
    attributes = attributes_of(inner)
    assert attributes["llmloop.kind"] == "tool"
    assert attributes["input.value"] == '{"a": 1, "b": 5}'
    assert attributes["output.value"] == "6"


def test_observe_async_generators_and_methods(memory_sink: MemorySink) -> None:
    class Agent:
        @llmloop.observe(name="plan", kind="agent")
        async def plan(self, goal: str) -> list[str]:
            return [item async for item in self.steps(goal)]

        @llmloop.observe(name="steps")
        async def steps(self, goal: str) -> AsyncIterator[str]:
            for word in goal.split():
                await asyncio.sleep(0)
                yield word

        @llmloop.observe(name="count")
        def count(self, n: int) -> Iterator[int]:
            yield from range(n)
            return None

    agent = Agent()
    assert asyncio.run(agent.plan("a b")) == ["a", "b"]
    assert list(agent.count(3)) == [0, 1, 2]
    _flushed(memory_sink)
    plan, steps, count = (memory_sink.by_name(n) for n in ("plan", "steps", "count"))
    assert steps.parent_span_id == plan.span_id
    assert attributes_of(plan)["input.value"] == '{"goal": "a b"}'  # no `self`
    assert attributes_of(steps)["output.value"] == '["a", "b"]'
    assert attributes_of(count)["output.value"] == "[0, 1, 2]"
    assert attributes_of(plan)["llmloop.kind"] == "agent"


def test_generator_body_runs_inside_its_span(memory_sink: MemorySink) -> None:
    @llmloop.observe(name="child")
    def child() -> int:
        return 1

    @llmloop.observe(name="gen")
    def gen() -> Iterator[int]:
        yield child()
        yield child()

    for _ in gen():
        # Code between items runs in the caller's context, not the generator's span.
        assert llmloop.current_span() is None
    _flushed(memory_sink)
    parent = memory_sink.by_name("gen")
    children = [s for s in memory_sink.spans if s.name == "child"]
    assert [c.parent_span_id for c in children] == [parent.span_id, parent.span_id]


def test_exception_marks_span_failed_and_propagates(memory_sink: MemorySink) -> None:
    @llmloop.observe(name="boom")
    def boom() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError):
        boom()
    _flushed(memory_sink)
    span = memory_sink.by_name("boom")
    assert span.status.code == span.status.STATUS_CODE_ERROR
    assert attributes_of(span)["error.type"] == "KeyError"
    assert span.events[0].name == "exception"


def test_nesting_follows_asyncio_tasks_and_copied_thread_contexts(
    memory_sink: MemorySink,
) -> None:
    @llmloop.observe(name="leaf")
    async def leaf(i: int) -> int:
        await asyncio.sleep(0)
        return i

    async def main() -> None:
        with llmloop.span("fan-out"):
            await asyncio.gather(*(leaf(i) for i in range(3)))

    asyncio.run(main())

    def work() -> None:
        with llmloop.span("in-thread"):
            pass

    with llmloop.span("spawner"):
        context = contextvars.copy_context()
        thread = threading.Thread(target=context.run, args=(work,))
        thread.start()
        thread.join()
    _flushed(memory_sink)
    parent = memory_sink.by_name("fan-out")
    leaves = [s for s in memory_sink.spans if s.name == "leaf"]
    assert len(leaves) == 3
    assert {s.parent_span_id for s in leaves} == {parent.span_id}
    assert memory_sink.by_name("in-thread").parent_span_id == memory_sink.by_name("spawner").span_id


def test_context_tags_every_span_and_resets(traced_into: Callable[..., MemorySink]) -> None:
    sink = traced_into(app="support-bot", environment="production")
    with (
        llmloop.context(session_id="s-1", user_id="u-1", app_version="v3"),
        llmloop.span("tagged"),
    ):
        pass
    with llmloop.span("untagged"):
        pass
    _flushed(sink)
    tagged = attributes_of(sink.by_name("tagged"))
    assert tagged["llmloop.session_id"] == "s-1"
    assert tagged["llmloop.user_id"] == "u-1"
    assert tagged["llmloop.app"] == "support-bot"
    assert tagged["llmloop.app_version"] == "v3"
    assert tagged["llmloop.environment"] == "production"
    untagged = attributes_of(sink.by_name("untagged"))
    assert "llmloop.user_id" not in untagged
    assert untagged["llmloop.app"] == "support-bot"


def test_helpers_set_model_usage_input_output_on_current_span(memory_sink: MemorySink) -> None:
    with llmloop.span("call", kind="llm"):
        llmloop.set_model("gpt-4o", provider="openai")
        llmloop.set_usage(input_tokens=100, output_tokens=20, cached_tokens=40, reasoning_tokens=5)
        llmloop.set_input([{"role": "user", "content": "hi"}])
        llmloop.set_output("hello")
        llmloop.set_attributes({"gen_ai.request.temperature": 0.5})
    llmloop.set_output("outside any span: ignored")
    _flushed(memory_sink)
    attributes = attributes_of(memory_sink.by_name("call"))
    assert attributes["gen_ai.request.model"] == "gpt-4o"
    assert attributes["gen_ai.provider.name"] == "openai"
    assert attributes["gen_ai.usage.input_tokens"] == 100
    assert attributes["gen_ai.usage.output_tokens"] == 20
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 40
    assert attributes["gen_ai.usage.reasoning.output_tokens"] == 5
    assert attributes["input.value"] == '[{"role": "user", "content": "hi"}]'
    assert attributes["output.value"] == "hello"
    assert attributes["gen_ai.request.temperature"] == 0.5
    assert len(memory_sink.spans) == 1


def test_capture_content_false_records_no_content(traced_into: Callable[..., MemorySink]) -> None:
    sink = traced_into(capture_content=False)

    @llmloop.observe(name="secret")
    def secret(password: str) -> str:
        raise ValueError(f"bad {password}")

    with pytest.raises(ValueError, match="bad"):
        secret("hunter2")
    with llmloop.span("manual") as span:
        span.set_attribute("input.value", "hunter2")
        span.set_output("hunter2")
    _flushed(sink)
    for span in sink.spans:
        assert "hunter2" not in str(span)
    assert attributes_of(sink.by_name("secret"))["error.type"] == "ValueError"


def test_mask_applies_to_content_before_export(traced_into: Callable[..., MemorySink]) -> None:
    sink = traced_into(mask=lambda text: text.replace("4111-1111", "****"))
    with llmloop.span("pay") as span:
        span.set_input("card 4111-1111")
        span.set_attribute("card.last4", "4111-1111")  # not content: left alone
    _flushed(sink)
    attributes = attributes_of(sink.by_name("pay"))
    assert attributes["input.value"] == "card ****"
    assert attributes["card.last4"] == "4111-1111"


def test_a_failing_mask_withholds_the_value(
    traced_into: Callable[..., MemorySink], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(text: str) -> str:
        raise RuntimeError("mask bug")

    sink = traced_into(mask=broken)
    for _ in range(3):
        with llmloop.span("masked") as span:
            span.set_output("private")
    result = llmloop.flush(10)
    assert result.sent == 3
    assert all(attributes_of(s)["output.value"] == MASK_FAILED for s in sink.spans)
    assert "private" not in caplog.text


def test_sampling_keeps_whole_traces(traced_into: Callable[..., MemorySink]) -> None:
    sink = traced_into(sample_ratio=0.5)
    for _ in range(200):
        with llmloop.span("root"), llmloop.span("child"), llmloop.span("grandchild"):
            pass
    _flushed(sink)
    by_trace: dict[bytes, int] = {}
    for span in sink.spans:
        by_trace[span.trace_id] = by_trace.get(span.trace_id, 0) + 1
    assert set(by_trace.values()) == {3}  # a trace is kept whole or not at all
    assert 40 < len(by_trace) < 160


def test_sample_ratio_zero_records_nothing(traced_into: Callable[..., MemorySink]) -> None:
    sink = traced_into(sample_ratio=0.0)
    with llmloop.span("dropped") as span:
        assert not span.is_recording()
        assert span.get_span_context().is_valid  # context still propagates
    assert llmloop.flush(5).sent == 0
    assert sink.spans == []


def test_invalid_kind_and_configuration_are_usage_errors() -> None:
    with pytest.raises(ValidationError, match="span kind"):
        llmloop.span("x", kind="banana")
    with pytest.raises(ValidationError, match="sample_ratio"):
        llmloop.configure(sample_ratio=1.5)


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    __repr__ = __str__


def test_bad_values_are_repaired_counted_and_logged_once(
    traced_into: Callable[..., MemorySink], caplog: pytest.LogCaptureFixture
) -> None:
    sink = traced_into(max_value_chars=100)
    caplog.set_level(logging.WARNING, logger="llmloop.sdk")

    @llmloop.observe(name="odd")
    def odd(thing: object) -> object:
        return {"set": {1, 2}, "obj": _Unprintable()}

    for _ in range(3):
        odd(_Unprintable())
    with llmloop.span("attrs") as span:
        span.set_attribute("none", None)
        span.set_attribute("mixed", [1, "a"])
        span.set_attribute("huge", 2**70)
        span.set_attribute("text", "x" * 1000)
        span.set_attribute(42, "bad key")  # type: ignore[arg-type]
        span.set_attributes({"ok": True})
    result = llmloop.flush(10)
    assert result.sent == 4
    assert result.repaired["stringified"] >= 5
    assert result.repaired["truncated"] >= 1
    assert result.repaired["dropped"] == 2
    attributes = attributes_of(sink.by_name("attrs"))
    assert "none" not in attributes
    assert attributes["mixed"] == '[1, "a"]'
    assert attributes["huge"] == str(2**70)
    assert attributes["text"].startswith("x" * 100)
    assert attributes["text"].endswith("[truncated 900 chars]")
    assert attributes["ok"] is True
    output = attributes_of(sink.spans[0])["output.value"]
    assert "<unprintable _Unprintable>" in output
    repairs_logged = [r for r in caplog.records if "was stringified" in r.getMessage()]
    assert len(repairs_logged) == 1  # once per process, however many repairs


def test_global_tracer_provider_is_never_replaced(memory_sink: MemorySink) -> None:
    from opentelemetry import trace

    with llmloop.span("x"):
        pass
    llmloop.flush(5)
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"


def test_a_traced_generator_receives_send_and_throw(memory_sink: MemorySink) -> None:
    @llmloop.observe(name="echo")
    def echo() -> Iterator[str]:
        received = "start"
        while True:
            try:
                received = yield received
            except ValueError:
                received = "recovered"

    generator = echo()
    assert next(generator) == "start"
    assert generator.send("hello") == "hello"
    assert generator.throw(ValueError("x")) == "recovered"
    generator.close()
    _flushed(memory_sink)
    span = memory_sink.by_name("echo")
    assert attributes_of(span)["output.value"] == '["start", "hello", "recovered"]'
    assert span.status.code != span.status.STATUS_CODE_ERROR


def test_span_works_as_an_async_context_manager(memory_sink: MemorySink) -> None:
    async def main() -> None:
        async with llmloop.span("outer-async", kind="agent"):
            with llmloop.span("inner-sync"):
                await asyncio.sleep(0)

    asyncio.run(main())
    _flushed(memory_sink)
    outer = memory_sink.by_name("outer-async")
    assert memory_sink.by_name("inner-sync").parent_span_id == outer.span_id


def test_observe_names_arguments_through_other_decorators(memory_sink: MemorySink) -> None:
    import functools

    def logged(function: Callable[..., str]) -> Callable[..., str]:
        @functools.wraps(function)
        def wrapper(*args: object, **kwargs: object) -> str:
            return function(*args, **kwargs)

        return wrapper

    @llmloop.observe(name="greet")
    @logged
    def greet(name: str, punctuation: str = "!") -> str:
        return f"hi {name}{punctuation}"

    assert greet("ada", punctuation="?") == "hi ada?"
    _flushed(memory_sink)
    assert attributes_of(memory_sink.by_name("greet"))["input.value"] == (
        '{"name": "ada", "punctuation": "?"}'
    )
