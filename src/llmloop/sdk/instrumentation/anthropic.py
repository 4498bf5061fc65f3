"""Tracing the ``anthropic`` client library: ``messages.create`` and ``messages.stream``.

Each call becomes one ``llm`` span (model, parameters, system prompt and messages, answer
and tool uses, usage with cache reads and writes, time to first token, errors).

The anthropic SDK (2.x) makes an OpenTelemetry span of its own for every call, on the
application's GLOBAL tracer provider. While an instrumented call runs, llmloop makes that
client report no tracer, so the call is recorded once (by llmloop, with content and cost)
instead of twice; outside instrumented calls the SDK's own spans are left alone.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from llmloop.sdk import attributes as names
from llmloop.sdk.instrumentation._calls import (
    AsyncTracedStream,
    CallHooks,
    TracedStream,
    calling,
    wrap_async_create,
    wrap_create,
)
from llmloop.sdk.instrumentation._patching import (
    LlmCall,
    get,
    in_instrumented_call,
    patch,
    require,
    restore,
    safely,
    tool_definitions,
)

__all__ = ["instrument_anthropic", "uninstrument_anthropic"]

LIBRARY = "anthropic"
_PARAMETERS = (
    ("temperature", "gen_ai.request.temperature"),
    ("top_p", "gen_ai.request.top_p"),
    ("top_k", "gen_ai.request.top_k"),
    ("max_tokens", "gen_ai.request.max_tokens"),
    ("stream", "gen_ai.request.stream"),
)


def _start(request: Mapping[str, Any], *, stream: bool = False) -> LlmCall:
    call = LlmCall("anthropic.messages", "anthropic", request)
    call.set_parameters(request, _PARAMETERS)
    if stream:
        call.span.set_attribute("gen_ai.request.stream", True)
    call.set_content(names.INPUT_VALUE, request.get("messages"))
    system = request.get("system")
    if system:
        call.set_content(names.SYSTEM_INSTRUCTIONS, system)
    definitions = tool_definitions(request.get("tools"))
    if definitions is not None:
        call.span.set_attribute(names.TOOL_DEFINITIONS, definitions)
    return call


def _record_usage(call: LlmCall, usage: Any) -> None:
    if usage is None:
        return
    cache_read = get(usage, "cache_read_input_tokens") or 0
    cache_write = get(usage, "cache_creation_input_tokens") or 0
    uncached = get(usage, "input_tokens")
    # Anthropic reports input WITHOUT cache tokens; llmloop's input_tokens is the total.
    total_in = None if uncached is None else uncached + cache_read + cache_write
    details = get(usage, "output_tokens_details")
    call.span.set_usage(
        input_tokens=total_in,
        output_tokens=get(usage, "output_tokens"),
        cached_tokens=cache_read if cache_read else None,
        cache_write_tokens=cache_write if cache_write else None,
        reasoning_tokens=get(details, "thinking_tokens"),
    )


def _record_message(call: LlmCall, message: Any) -> None:
    span = call.span
    for key, attribute in (("model", names.RESPONSE_MODEL), ("id", "gen_ai.response.id")):
        value = get(message, key)
        if isinstance(value, str):
            span.set_attribute(attribute, value)
    reason = get(message, "stop_reason")
    if reason:
        span.set_attribute("gen_ai.response.finish_reasons", [str(reason)])
    text: list[str] = []
    tools: list[dict[str, Any]] = []
    for block in get(message, "content") or []:
        kind = get(block, "type")
        if kind == "text":
            text.append(get(block, "text") or "")
        elif kind == "tool_use":
            tools.append(
                {
                    "id": get(block, "id"),
                    "name": get(block, "name"),
                    "arguments": get(block, "input"),
                }
            )
    call.set_output("".join(text), tools)
    _record_usage(call, get(message, "usage"))


class _EventAccumulator:
    """What a stream of raw message events adds up to."""

    def __init__(self, call: LlmCall) -> None:
        self.call = call
        self.text: list[str] = []
        self.tools: dict[int, dict[str, Any]] = {}
        self.usage: dict[str, Any] = {}
        self.message: dict[str, Any] = {}

    def add(self, event: Any) -> None:
        kind = get(event, "type")
        if kind == "message_start":
            message = get(event, "message")
            self.message = {"id": get(message, "id"), "model": get(message, "model")}
            self._merge_usage(get(message, "usage"))
        elif kind == "content_block_start":
            block = get(event, "content_block")
            if get(block, "type") == "tool_use":
                self.tools[get(event, "index", 0)] = {
                    "id": get(block, "id"),
                    "name": get(block, "name"),
                    "arguments": "",
                }
        elif kind == "content_block_delta":
            self.call.mark_first_token()
            delta = get(event, "delta")
            if get(delta, "type") == "text_delta":
                self.text.append(get(delta, "text") or "")
            elif get(delta, "type") == "input_json_delta":
                tool = self.tools.get(get(event, "index", 0))
                if tool is not None:
                    tool["arguments"] += get(delta, "partial_json") or ""
        elif kind == "message_delta":
            reason = get(get(event, "delta"), "stop_reason")
            if reason:
                self.message["stop_reason"] = reason
            self._merge_usage(get(event, "usage"))

    def _merge_usage(self, usage: Any) -> None:
        for key in (
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
        ):
            value = get(usage, key)
            if isinstance(value, int):
                self.usage[key] = value

    def finish(self) -> None:
        span = self.call.span
        if isinstance(self.message.get("model"), str):
            span.set_attribute(names.RESPONSE_MODEL, self.message["model"])
        if isinstance(self.message.get("id"), str):
            span.set_attribute("gen_ai.response.id", self.message["id"])
        if self.message.get("stop_reason"):
            span.set_attribute("gen_ai.response.finish_reasons", [str(self.message["stop_reason"])])
        self.call.set_output("".join(self.text), [self.tools[i] for i in sorted(self.tools)])
        _record_usage(self.call, self.usage or None)
        self.call.end()


_HOOKS = CallHooks("anthropic", _start, _record_message, _EventAccumulator)


class _TracedStreamManager:
    """Wraps ``MessageStreamManager``: the span runs from ``__enter__`` to the stream's end."""

    def __init__(self, manager: Any, request: Mapping[str, Any], is_async: bool) -> None:
        self._manager = manager
        self._request = request
        self._call: LlmCall | None = None
        self._is_async = is_async

    def _open(self) -> LlmCall | None:
        return safely("anthropic-start", lambda: _start(self._request, stream=True))  # type: ignore[no-any-return]

    def _observe(self, message_stream: Any, call: LlmCall) -> None:
        raw = message_stream._raw_stream
        stream_class = AsyncTracedStream if self._is_async else TracedStream
        traced = stream_class(raw, call, _HOOKS)
        message_stream._raw_stream = traced

    def __enter__(self) -> Any:
        call = self._call = self._open()
        if call is None:
            return self._manager.__enter__()
        with calling(call, _HOOKS.label):
            message_stream = self._manager.__enter__()
        safely("anthropic-stream", self._observe, message_stream, call)
        return message_stream

    def __exit__(self, *exc_info: Any) -> Any:
        try:
            return self._manager.__exit__(*exc_info)
        finally:
            if self._call is not None and not self._call.ended:
                safely("anthropic-stream-end", self._call.end)

    async def __aenter__(self) -> Any:
        call = self._call = self._open()
        if call is None:
            return await self._manager.__aenter__()
        with calling(call, _HOOKS.label):
            message_stream = await self._manager.__aenter__()
        safely("anthropic-stream", self._observe, message_stream, call)
        return message_stream

    async def __aexit__(self, *exc_info: Any) -> Any:
        try:
            return await self._manager.__aexit__(*exc_info)
        finally:
            if self._call is not None and not self._call.ended:
                safely("anthropic-stream-end", self._call.end)


def _wrap_stream(original: Any, *, is_async: bool) -> Any:
    @functools.wraps(original)
    def stream(self: Any, *args: Any, **kwargs: Any) -> Any:
        return _TracedStreamManager(original(self, *args, **kwargs), kwargs, is_async)

    return stream


def _wrap_tracer(original: property) -> property:
    getter = original.fget
    assert getter is not None

    def tracer(self: Any) -> Any:
        if in_instrumented_call.get():
            return None  # llmloop records this call: the SDK's own span would be a duplicate
        return getter(self)

    return property(tracer, doc=original.__doc__)


def instrument_anthropic() -> None:
    """Trace every ``messages.create`` / ``messages.stream`` of the ``anthropic`` library."""
    require("anthropic")
    from anthropic import _base_client
    from anthropic.resources.messages import messages

    patch(messages.Messages, "create", lambda f: wrap_create(f, _HOOKS), LIBRARY)
    patch(messages.AsyncMessages, "create", lambda f: wrap_async_create(f, _HOOKS), LIBRARY)
    patch(messages.Messages, "stream", functools.partial(_wrap_stream, is_async=False), LIBRARY)
    patch(messages.AsyncMessages, "stream", functools.partial(_wrap_stream, is_async=True), LIBRARY)
    patch(_base_client.BaseClient, "_tracer", _wrap_tracer, LIBRARY)


def uninstrument_anthropic() -> None:
    """Restore the ``anthropic`` library's own methods."""
    restore(LIBRARY)
