"""A scripted provider for tests and simulations: canned or computed replies, on a given clock.

A script is a list of steps consumed one per call, or one function asked on every call. A
step is a text, a :class:`ScriptedReply` (text, tool calls, usage, latency), a whole
``ChatResponse``, or an exception to raise (``ProviderRateLimitError(retryable=True,
retry_after_s=2)`` exercises the retry policy exactly as a real 429 would). Latency is spent
on the runtime's sleeper, so with a ``ClockSleeper`` it moves a ``ManualClock`` and costs no
real time. Every request is kept in ``requests`` for assertions.
"""

from __future__ import annotations

import re
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass

from llmloop.build.providers.runtime import ProviderRuntime
from llmloop.domain.chat import (
    ChatRequest,
    ChatResponse,
    FinishReason,
    Role,
    StreamCompleted,
    StreamEvent,
    TextDelta,
    TokenUsage,
    ToolCall,
)
from llmloop.errors import UsageError

__all__ = ["ScriptStep", "ScriptedProvider", "ScriptedReply", "echo_last_user_message"]

_PIECE = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class ScriptedReply:
    """One canned answer; usage defaults to a word count of the request and the reply."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    usage: TokenUsage | None = None
    latency_s: float = 0.0
    finish_reason: FinishReason | None = None


ScriptStep = str | ScriptedReply | ChatResponse | BaseException
Responder = Callable[[ChatRequest], ScriptStep]


def echo_last_user_message(request: ChatRequest) -> ScriptStep:
    """A responder that answers with the last user message (profiles of kind ``fake``)."""
    last = next((m.content for m in reversed(request.messages) if m.role is Role.USER), "")
    return f"echo: {last}"


class ScriptedProvider:
    """A provider whose answers are written by the test."""

    def __init__(
        self,
        script: Iterable[ScriptStep] | Responder,
        *,
        runtime: ProviderRuntime | None = None,
        latency_s: float = 0.0,
    ) -> None:
        self.runtime = runtime or ProviderRuntime("fake")
        self.name = self.runtime.name
        self.latency_s = latency_s
        self.requests: list[ChatRequest] = []
        self._lock = threading.Lock()
        if callable(script):
            self._responder: Responder | None = script
            self._steps: list[ScriptStep] = []
        else:
            self._responder = None
            self._steps = list(script)

    def close(self) -> None:
        """Nothing to release."""

    @property
    def remaining(self) -> int:
        """Steps not yet used (0 for a responder function)."""
        with self._lock:
            return len(self._steps)

    def _next_step(self, request: ChatRequest) -> ScriptStep:
        with self._lock:
            self.requests.append(request)
            responder = self._responder
            if responder is None:
                return self._pop_step()
        # outside the lock: calls to a responder overlap, as calls to a real provider do
        return responder(request)

    def _pop_step(self) -> ScriptStep:
        """The next scripted step; the caller holds the lock."""
        if not self._steps:
            raise UsageError(
                f"the scripted provider {self.name!r} ran out of replies after "
                f"{len(self.requests) - 1} calls",
                hint="Add more steps to the script, or pass a function to answer every call.",
            )
        return self._steps.pop(0)

    def _reply(self, request: ChatRequest, step: ScriptStep, started: float) -> ChatResponse:
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, ChatResponse):
            return step
        reply = ScriptedReply(text=step) if isinstance(step, str) else step
        usage = reply.usage or TokenUsage(
            input_tokens=sum(len(m.content.split()) for m in request.messages),
            output_tokens=len(reply.text.split()),
        )
        finish = reply.finish_reason or (
            FinishReason.TOOL_CALLS if reply.tool_calls else FinishReason.STOP
        )
        return ChatResponse(
            text=reply.text,
            tool_calls=reply.tool_calls,
            finish_reason=finish,
            usage=usage,
            cost_usd=self.runtime.cost_usd(request.model, usage),
            latency_ms=self.runtime.elapsed_ms(started),
            provider=self.name,
            provider_model=request.model,
        )

    def _latency_s(self, step: ScriptStep) -> float:
        return step.latency_s if isinstance(step, ScriptedReply) else self.latency_s

    def chat(self, request: ChatRequest) -> ChatResponse:
        """Answer with the next step of the script (retries and limits apply)."""
        started = self.runtime.clock.monotonic()

        def attempt() -> ChatResponse:
            step = self._next_step(request)
            if self._latency_s(step) > 0:
                self.runtime.sleeper.sleep(self._latency_s(step))
            return self._reply(request, step, started)

        return self.runtime.call(attempt)

    async def achat(self, request: ChatRequest) -> ChatResponse:
        """The async twin of :meth:`chat`."""
        started = self.runtime.clock.monotonic()

        async def attempt() -> ChatResponse:
            step = self._next_step(request)
            if self._latency_s(step) > 0:
                await self.runtime.sleeper.asleep(self._latency_s(step))
            return self._reply(request, step, started)

        return await self.runtime.acall(attempt)

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """Yield the scripted answer a word at a time, then the whole response."""
        response = self.chat(request)
        for piece in _PIECE.findall(response.text):
            yield TextDelta(text=piece)
        yield StreamCompleted(response=response)

    async def astream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """The async twin of :meth:`stream`."""
        response = await self.achat(request)
        for piece in _PIECE.findall(response.text):
            yield TextDelta(text=piece)
        yield StreamCompleted(response=response)
