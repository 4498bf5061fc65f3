"""The scripted fake: canned and computed replies, tool calls, injected errors, clock latency."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from llmloop.build.providers import (
    ClockSleeper,
    ConcurrencyLimit,
    ProviderRuntime,
    RetryPolicy,
    ScriptedProvider,
    ScriptedReply,
)
from llmloop.domain.chat import (
    ChatMessage,
    ChatRequest,
    FinishReason,
    StreamCompleted,
    TextDelta,
    ToolCall,
)
from llmloop.domain.clock import ManualClock
from llmloop.domain.pricing import TokenUsage
from llmloop.errors import ProviderError, ProviderRateLimitError, UsageError

REQUEST = ChatRequest(model="fake-model", messages=(ChatMessage.user("how are you today"),))


def _runtime(clock: ManualClock, sleeper: ClockSleeper, retries: int = 0) -> ProviderRuntime:
    return ProviderRuntime(
        "fake", clock=clock, sleeper=sleeper, policy=RetryPolicy(max_retries=retries)
    )


def test_canned_replies_are_used_in_order_and_requests_recorded(
    clock: ManualClock, sleeper: ClockSleeper
) -> None:
    provider = ScriptedProvider(
        ["first", ScriptedReply("second")], runtime=_runtime(clock, sleeper)
    )
    assert provider.chat(REQUEST).text == "first"
    assert provider.chat(REQUEST).text == "second"
    assert provider.requests == [REQUEST, REQUEST]
    with pytest.raises(UsageError, match="ran out of replies after 2 calls"):
        provider.chat(REQUEST)


def test_a_function_answers_every_call() -> None:
    provider = ScriptedProvider(lambda request: request.messages[-1].content.upper())
    assert provider.chat(REQUEST).text == "HOW ARE YOU TODAY"
    assert provider.remaining == 0


def test_tool_calls_and_usage_are_reported_as_scripted() -> None:
    call = ToolCall(id="c1", name="search", arguments={"q": "llmloop"})
    provider = ScriptedProvider(
        [ScriptedReply(tool_calls=(call,), usage=TokenUsage(input_tokens=10, output_tokens=2))]
    )
    response = provider.chat(REQUEST)
    assert response.tool_calls == (call,)
    assert response.finish_reason is FinishReason.TOOL_CALLS
    assert (response.usage.input_tokens, response.usage.output_tokens) == (10, 2)


def test_default_usage_counts_words() -> None:
    response = ScriptedProvider(["fine thanks"]).chat(REQUEST)
    assert (response.usage.input_tokens, response.usage.output_tokens) == (4, 2)
    assert response.cost_usd is None


def test_latency_is_spent_on_the_injected_clock(clock: ManualClock, sleeper: ClockSleeper) -> None:
    provider = ScriptedProvider(
        ["quick", ScriptedReply("slow", latency_s=2.5)],
        runtime=_runtime(clock, sleeper),
        latency_s=0.2,
    )
    assert provider.chat(REQUEST).latency_ms == pytest.approx(200.0)
    assert provider.chat(REQUEST).latency_ms == pytest.approx(2500.0)
    assert clock.monotonic() == pytest.approx(2.7)


def test_injected_errors_raise_and_retryable_ones_go_through_the_retry_policy(
    clock: ManualClock, sleeper: ClockSleeper
) -> None:
    provider = ScriptedProvider(
        [ProviderRateLimitError("busy", retryable=True, retry_after_s=4.0), "after the wait"],
        runtime=_runtime(clock, sleeper, retries=1),
    )
    response = provider.chat(REQUEST)
    assert response.text == "after the wait"
    assert sleeper.waits_s == [4.0]
    assert response.latency_ms == pytest.approx(4000.0)  # the wait counts in the call's latency

    failing = ScriptedProvider(
        [ProviderError("down for good")], runtime=_runtime(clock, sleeper, 3)
    )
    with pytest.raises(ProviderError, match="down for good"):
        failing.chat(REQUEST)
    assert sleeper.waits_s == [4.0]  # not retryable: no wait


def test_stream_and_async() -> None:
    provider = ScriptedProvider(lambda request: "one two three")
    events = list(provider.stream(REQUEST))
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["one ", "two ", "three"]
    assert isinstance(events[-1], StreamCompleted)

    async def run() -> list[str]:
        texts = [(await provider.achat(REQUEST)).text]
        texts += [e.text async for e in provider.astream(REQUEST) if isinstance(e, TextDelta)]
        return texts

    assert asyncio.run(run()) == ["one two three", "one ", "two ", "three"]


def test_the_profiles_concurrency_limit_holds_calls_back() -> None:
    release = threading.Event()
    entered: list[int] = []
    lock = threading.Lock()

    def slow(request: ChatRequest) -> str:
        with lock:
            entered.append(1)
        release.wait(60)
        return "done"

    provider = ScriptedProvider(slow, runtime=ProviderRuntime("fake", limit=ConcurrencyLimit(2)))
    threads = [threading.Thread(target=provider.chat, args=(REQUEST,)) for _ in range(5)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(entered) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    assert provider.runtime.limit.in_use == 2
    assert len(entered) == 2  # the other three wait for a slot
    release.set()
    for thread in threads:
        thread.join(60)
    assert len(entered) == 5
    assert provider.runtime.limit.in_use == 0
