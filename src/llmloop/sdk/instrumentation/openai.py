"""Tracing the ``openai`` client library: chat completions, sync and async, streamed or not.

Each ``client.chat.completions.create(...)`` becomes one ``llm`` span with the model, the
request parameters, the messages, the answer (text and tool calls), token usage including
cached and reasoning tokens, the time to the first streamed token, and any error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmloop.sdk import attributes as names
from llmloop.sdk.instrumentation._calls import CallHooks, wrap_async_create, wrap_create
from llmloop.sdk.instrumentation._patching import (
    LlmCall,
    get,
    patch,
    require,
    restore,
    tool_definitions,
)

__all__ = ["instrument_openai", "uninstrument_openai"]

LIBRARY = "openai"
_PARAMETERS = (
    ("temperature", "gen_ai.request.temperature"),
    ("top_p", "gen_ai.request.top_p"),
    ("max_tokens", "gen_ai.request.max_tokens"),
    ("max_completion_tokens", "gen_ai.request.max_tokens"),
    ("frequency_penalty", "gen_ai.request.frequency_penalty"),
    ("presence_penalty", "gen_ai.request.presence_penalty"),
    ("seed", "gen_ai.request.seed"),
    ("stream", "gen_ai.request.stream"),
    ("reasoning_effort", "gen_ai.request.reasoning.level"),
)


def _start(request: Mapping[str, Any]) -> LlmCall:
    call = LlmCall("openai.chat.completions", "openai", request)
    call.set_parameters(request, _PARAMETERS)
    call.set_content(names.INPUT_VALUE, request.get("messages"))
    definitions = tool_definitions(request.get("tools"))
    if definitions is not None:
        call.span.set_attribute(names.TOOL_DEFINITIONS, definitions)
    return call


def _record_usage(call: LlmCall, usage: Any) -> None:
    if usage is None:
        return
    details_in = get(usage, "prompt_tokens_details")
    details_out = get(usage, "completion_tokens_details")
    call.span.set_usage(
        input_tokens=get(usage, "prompt_tokens"),
        output_tokens=get(usage, "completion_tokens"),
        cached_tokens=get(details_in, "cached_tokens"),
        reasoning_tokens=get(details_out, "reasoning_tokens"),
    )


def _record_response(call: LlmCall, response: Any) -> None:
    span = call.span
    model = get(response, "model")
    if isinstance(model, str):
        span.set_attribute(names.RESPONSE_MODEL, model)
    response_id = get(response, "id")
    if isinstance(response_id, str):
        span.set_attribute("gen_ai.response.id", response_id)
    choices = get(response, "choices") or []
    reasons = [
        str(get(choice, "finish_reason")) for choice in choices if get(choice, "finish_reason")
    ]
    if reasons:
        span.set_attribute("gen_ai.response.finish_reasons", reasons)
    if choices:
        message = get(choices[0], "message")
        calls = [
            {
                "id": get(tool, "id"),
                "name": get(get(tool, "function"), "name"),
                "arguments": get(get(tool, "function"), "arguments"),
            }
            for tool in get(message, "tool_calls") or []
        ]
        call.set_output(get(message, "content") or "", calls)
    _record_usage(call, get(response, "usage"))


class _Accumulator:
    """What a stream of chunks adds up to."""

    def __init__(self, call: LlmCall) -> None:
        self.call = call
        self.text: list[str] = []
        self.tools: dict[int, dict[str, Any]] = {}
        self.model: str | None = None
        self.reasons: list[str] = []
        self.usage: Any = None
        self.response_id: str | None = None

    def add(self, chunk: Any) -> None:
        self.model = get(chunk, "model") or self.model
        self.response_id = get(chunk, "id") or self.response_id
        if get(chunk, "usage") is not None:
            self.usage = get(chunk, "usage")
        for choice in get(chunk, "choices") or []:
            delta = get(choice, "delta")
            content = get(delta, "content")
            if content:
                self.call.mark_first_token()
                self.text.append(content)
            for tool in get(delta, "tool_calls") or []:
                self.call.mark_first_token()
                entry = self.tools.setdefault(
                    get(tool, "index", 0) or 0, {"id": None, "name": None, "arguments": ""}
                )
                function = get(tool, "function")
                entry["id"] = get(tool, "id") or entry["id"]
                entry["name"] = get(function, "name") or entry["name"]
                entry["arguments"] += get(function, "arguments") or ""
            reason = get(choice, "finish_reason")
            if reason:
                self.reasons.append(str(reason))

    def finish(self) -> None:
        span = self.call.span
        if self.model:
            span.set_attribute(names.RESPONSE_MODEL, self.model)
        if self.response_id:
            span.set_attribute("gen_ai.response.id", self.response_id)
        if self.reasons:
            span.set_attribute("gen_ai.response.finish_reasons", self.reasons)
        self.call.set_output("".join(self.text), [self.tools[i] for i in sorted(self.tools)])
        _record_usage(self.call, self.usage)
        self.call.end()


_HOOKS = CallHooks("openai", _start, _record_response, _Accumulator)


def instrument_openai() -> None:
    """Trace ``chat.completions.create`` and ``responses.create`` of ``openai`` (sync, async)."""
    require("openai")
    from openai.resources.chat.completions import completions

    from llmloop.sdk.instrumentation.openai_responses import instrument_openai_responses

    patch(completions.Completions, "create", lambda f: wrap_create(f, _HOOKS), LIBRARY)
    patch(completions.AsyncCompletions, "create", lambda f: wrap_async_create(f, _HOOKS), LIBRARY)
    instrument_openai_responses(LIBRARY)


def uninstrument_openai() -> None:
    """Restore the ``openai`` library's own methods."""
    restore(LIBRARY)
