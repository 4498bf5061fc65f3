"""Tracing OpenAI's Responses API: ``client.responses.create``, sync and async, streamed or not.

One ``llm`` span per call, like chat completions: model, parameters, instructions and input,
the output text and function calls, usage with cached and reasoning tokens, the time to the
first streamed token, errors. A streamed call's span takes the final response from the
``response.completed`` event.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping
from typing import Any

from llmloop.sdk import attributes as names
from llmloop.sdk.instrumentation._patching import (
    LlmCall,
    get,
    in_instrumented_call,
    patch,
    safely,
    tool_definitions,
)
from llmloop.sdk.spans import release, use_span

__all__ = ["instrument_openai_responses"]

_PARAMETERS = (
    ("temperature", "gen_ai.request.temperature"),
    ("top_p", "gen_ai.request.top_p"),
    ("max_output_tokens", "gen_ai.request.max_tokens"),
    ("stream", "gen_ai.request.stream"),
)


def _start(request: Mapping[str, Any]) -> LlmCall:
    call = LlmCall("openai.responses", "openai", request)
    call.set_parameters(request, _PARAMETERS)
    call.set_content(names.INPUT_VALUE, request.get("input"))
    instructions = request.get("instructions")
    if instructions:
        call.set_content(names.SYSTEM_INSTRUCTIONS, instructions)
    reasoning = request.get("reasoning")
    if isinstance(get(reasoning, "effort"), str):
        call.span.set_attribute("gen_ai.request.reasoning.level", get(reasoning, "effort"))
    definitions = tool_definitions(request.get("tools"))
    if definitions is not None:
        call.span.set_attribute(names.TOOL_DEFINITIONS, definitions)
    return call


def _record_response(call: LlmCall, response: Any) -> None:
    span = call.span
    for key, attribute in (("model", names.RESPONSE_MODEL), ("id", "gen_ai.response.id")):
        value = get(response, key)
        if isinstance(value, str):
            span.set_attribute(attribute, value)
    status = get(response, "status")
    if isinstance(status, str):
        span.set_attribute("gen_ai.response.finish_reasons", [status])
    text: list[str] = []
    tools: list[dict[str, Any]] = []
    for item in get(response, "output") or []:
        kind = get(item, "type")
        if kind == "message":
            for part in get(item, "content") or []:
                if get(part, "type") == "output_text":
                    text.append(get(part, "text") or "")
        elif kind == "function_call":
            tools.append(
                {
                    "id": get(item, "call_id"),
                    "name": get(item, "name"),
                    "arguments": get(item, "arguments"),
                }
            )
    call.set_output("".join(text), tools)
    usage = get(response, "usage")
    if usage is not None:
        span.set_usage(
            input_tokens=get(usage, "input_tokens"),
            output_tokens=get(usage, "output_tokens"),
            cached_tokens=get(get(usage, "input_tokens_details"), "cached_tokens"),
            reasoning_tokens=get(get(usage, "output_tokens_details"), "reasoning_tokens"),
        )


class _EventAccumulator:
    """What a stream of Responses events adds up to."""

    def __init__(self, call: LlmCall) -> None:
        self.call = call
        self.text: list[str] = []
        self.final: Any = None

    def add(self, event: Any) -> None:
        kind = get(event, "type")
        if kind in ("response.output_text.delta", "response.function_call_arguments.delta"):
            self.call.mark_first_token()
            if kind == "response.output_text.delta":
                self.text.append(get(event, "delta") or "")
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            self.final = get(event, "response")

    def finish(self) -> None:
        if self.final is not None:
            _record_response(self.call, self.final)
        else:  # the stream ended early: keep what was streamed
            self.call.set_output("".join(self.text), [])
        self.call.end()


class _TracedEvents:
    """Wraps the ``Stream`` of Responses events; the span ends with the stream."""

    def __init__(self, stream: Any, call: LlmCall) -> None:
        self._stream = stream
        self._iterator = iter(stream)
        self._accumulator = _EventAccumulator(call)
        self._call = call

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __iter__(self) -> _TracedEvents:
        return self

    def __next__(self) -> Any:
        try:
            event = next(self._iterator)
        except StopIteration:
            self._end()
            raise
        except BaseException as exc:
            safely("responses-stream-error", self._call.fail, exc)
            raise
        safely("responses-event", self._accumulator.add, event)
        return event

    def _end(self) -> None:
        if not self._call.ended:
            safely("responses-stream-end", self._accumulator.finish)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # never raise from a finaliser
            self._end()

    def __enter__(self) -> _TracedEvents:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the response; the span ends with what was read."""
        try:
            self._stream.close()
        finally:
            self._end()


class _AsyncTracedEvents:
    """Wraps the ``AsyncStream`` of Responses events."""

    def __init__(self, stream: Any, call: LlmCall) -> None:
        self._stream = stream
        self._iterator = stream.__aiter__()
        self._accumulator = _EventAccumulator(call)
        self._call = call

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __aiter__(self) -> _AsyncTracedEvents:
        return self

    async def __anext__(self) -> Any:
        try:
            event = await self._iterator.__anext__()
        except StopAsyncIteration:
            self._end()
            raise
        except BaseException as exc:
            safely("responses-stream-error", self._call.fail, exc)
            raise
        safely("responses-event", self._accumulator.add, event)
        return event

    def _end(self) -> None:
        if not self._call.ended:
            safely("responses-stream-end", self._accumulator.finish)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # never raise from a finaliser
            self._end()

    async def __aenter__(self) -> _AsyncTracedEvents:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the response; the span ends with what was read."""
        try:
            await self._stream.close()
        finally:
            self._end()


def _wrap_sync(original: Any) -> Any:
    @functools.wraps(original)
    def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = safely("responses-start", _start, kwargs)
        if call is None:
            return original(self, *args, **kwargs)
        token = use_span(call.span)
        flag = in_instrumented_call.set(True)
        try:
            result = original(self, *args, **kwargs)
        except BaseException as exc:
            safely("responses-error", call.fail, exc)
            raise
        finally:
            in_instrumented_call.reset(flag)
            release(token)
        if kwargs.get("stream"):
            return _TracedEvents(result, call)
        safely("responses-response", _record_response, call, result)
        call.end()
        return result

    return create


def _wrap_async(original: Any) -> Any:
    @functools.wraps(original)
    async def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = safely("responses-start", _start, kwargs)
        if call is None:
            return await original(self, *args, **kwargs)
        token = use_span(call.span)
        flag = in_instrumented_call.set(True)
        try:
            result = await original(self, *args, **kwargs)
        except BaseException as exc:
            safely("responses-error", call.fail, exc)
            raise
        finally:
            in_instrumented_call.reset(flag)
            release(token)
        if kwargs.get("stream"):
            return _AsyncTracedEvents(result, call)
        safely("responses-response", _record_response, call, result)
        call.end()
        return result

    return create


def instrument_openai_responses(library: str) -> None:
    """Patch ``responses.create`` (sync and async) under *library*'s name, for undoing."""
    from openai.resources.responses import responses

    patch(responses.Responses, "create", _wrap_sync, library)
    patch(responses.AsyncResponses, "create", _wrap_async, library)
