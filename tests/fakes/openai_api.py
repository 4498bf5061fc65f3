"""Replies in the OpenAI Chat Completions and Embeddings wire formats (JSON and streaming)."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.wire_server import WireReply

__all__ = [
    "OPENAI_USAGE",
    "openai_chat",
    "openai_chat_stream",
    "openai_embeddings",
    "openai_error",
]

OPENAI_USAGE: dict[str, Any] = {
    "prompt_tokens": 1200,
    "completion_tokens": 80,
    "total_tokens": 1280,
    "prompt_tokens_details": {"cached_tokens": 200},
    "completion_tokens_details": {"reasoning_tokens": 30},
}

ToolUse = tuple[str, str, dict[str, Any]]  # id, name, arguments


def openai_chat(
    text: str | None = "",
    *,
    tool_calls: tuple[ToolUse, ...] = (),
    model: str = "gpt-4o-2024-08-06",
    usage: dict[str, Any] | None = OPENAI_USAGE,
    finish_reason: str | None = None,
) -> WireReply:
    """A ``chat.completion`` object."""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
            for call_id, name, arguments in tool_calls
        ]
    body: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop"),
            }
        ],
    }
    if usage is not None:
        body["usage"] = usage
    return WireReply(body=body)


def openai_chat_stream(
    pieces: tuple[str, ...] = (),
    *,
    tool_calls: tuple[ToolUse, ...] = (),
    model: str = "gpt-4o-2024-08-06",
    usage: dict[str, Any] | None = OPENAI_USAGE,
    finish_reason: str | None = None,
    cut_after_events: int | None = None,
) -> WireReply:
    """``chat.completion.chunk`` events: text pieces, tool-call fragments, usage, [DONE]."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    events: list[tuple[str | None, Any]] = [(None, chunk({"role": "assistant", "content": ""}))]
    events += [(None, chunk({"content": piece})) for piece in pieces]
    for index, (call_id, name, arguments) in enumerate(tool_calls):
        text = json.dumps(arguments)
        half = len(text) // 2
        first = {"index": index, "id": call_id, "type": "function"}
        first["function"] = {"name": name, "arguments": text[:half]}  # type: ignore[assignment]
        events.append((None, chunk({"tool_calls": [first]})))
        rest = {"index": index, "function": {"arguments": text[half:]}}
        events.append((None, chunk({"tool_calls": [rest]})))
    finish = finish_reason or ("tool_calls" if tool_calls else "stop")
    events.append((None, chunk({}, finish)))
    if usage is not None:
        final = chunk({})
        final["choices"] = []
        final["usage"] = usage
        events.append((None, final))
    events.append((None, "[DONE]"))
    return WireReply(events=tuple(events), cut_after_events=cut_after_events)


def openai_error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    error_type: str = "invalid_request_error",
    retry_after: str | None = None,
) -> WireReply:
    """An OpenAI error body: ``{"error": {"message", "type", "code"}}``."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return WireReply(
        status,
        {"error": {"message": message, "type": error_type, "param": None, "code": code}},
        headers=headers,
    )


def openai_embeddings(
    vectors: tuple[tuple[float, ...], ...],
    *,
    model: str = "text-embedding-3-small",
    prompt_tokens: int = 8,
) -> WireReply:
    """A ``list`` of ``embedding`` objects, deliberately out of order (clients sort by index)."""
    data = [
        {"object": "embedding", "index": index, "embedding": list(vector)}
        for index, vector in enumerate(vectors)
    ]
    return WireReply(
        body={
            "object": "list",
            "data": list(reversed(data)),
            "model": model,
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
        }
    )
