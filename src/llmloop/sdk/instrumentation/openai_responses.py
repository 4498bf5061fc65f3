"""Tracing OpenAI's Responses API: ``client.responses.create``, sync and async, streamed or not.

One ``llm`` span per call, like chat completions: model, parameters, instructions and input,
the output text and function calls, usage with cached and reasoning tokens, the time to the
first streamed token, errors. A streamed call's span takes the final response from the
``response.completed`` event.
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
    tool_definitions,
)

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


_HOOKS = CallHooks("responses", _start, _record_response, _EventAccumulator)


def instrument_openai_responses(library: str) -> None:
    """Patch ``responses.create`` (sync and async) under *library*'s name, for undoing."""
    from openai.resources.responses import responses

    patch(responses.Responses, "create", lambda f: wrap_create(f, _HOOKS), library)
    patch(responses.AsyncResponses, "create", lambda f: wrap_async_create(f, _HOOKS), library)
