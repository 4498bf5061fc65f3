"""Replies in the Anthropic Messages wire format (JSON and streaming)."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.wire_server import WireReply

__all__ = ["ANTHROPIC_USAGE", "anthropic_error", "anthropic_message", "anthropic_stream"]

# Anthropic counts input WITHOUT the cache: the whole prompt here is 1000 + 200 + 50 tokens.
ANTHROPIC_USAGE: dict[str, Any] = {
    "input_tokens": 1000,
    "output_tokens": 90,
    "cache_read_input_tokens": 200,
    "cache_creation_input_tokens": 50,
}

ToolUse = tuple[str, str, dict[str, Any]]  # id, name, input


def anthropic_message(
    text: str = "",
    *,
    tool_uses: tuple[ToolUse, ...] = (),
    model: str = "claude-sonnet-4-20250514",
    usage: dict[str, Any] = ANTHROPIC_USAGE,
    stop_reason: str | None = None,
) -> WireReply:
    """A ``message`` object."""
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content += [
        {"type": "tool_use", "id": use_id, "name": name, "input": arguments}
        for use_id, name, arguments in tool_uses
    ]
    return WireReply(
        body={
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop_reason or ("tool_use" if tool_uses else "end_turn"),
            "stop_sequence": None,
            "usage": usage,
        }
    )


def anthropic_stream(
    pieces: tuple[str, ...] = (),
    *,
    tool_uses: tuple[ToolUse, ...] = (),
    model: str = "claude-sonnet-4-20250514",
    usage: dict[str, Any] = ANTHROPIC_USAGE,
    stop_reason: str | None = None,
    cut_after_events: int | None = None,
) -> WireReply:
    """The Messages stream: message_start, content blocks with deltas, message_delta, stop."""
    start_usage = {**usage, "output_tokens": 1}
    events: list[tuple[str | None, Any]] = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_fake",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": start_usage,
                },
            },
        ),
        ("ping", {"type": "ping"}),
    ]
    index = 0
    if pieces:
        events.append(
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": ""},
                },
            )
        )
        events += [
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "text_delta", "text": piece},
                },
            )
            for piece in pieces
        ]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    for use_id, name, arguments in tool_uses:
        text = json.dumps(arguments)
        half = len(text) // 2
        events.append(
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "tool_use", "id": use_id, "name": name, "input": {}},
                },
            )
        )
        for part in (text[:half], text[half:]):
            events.append(
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": part},
                    },
                )
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {
                    "stop_reason": stop_reason or ("tool_use" if tool_uses else "end_turn"),
                    "stop_sequence": None,
                },
                "usage": {"output_tokens": usage["output_tokens"]},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return WireReply(events=tuple(events), cut_after_events=cut_after_events)


def anthropic_error(
    status: int, message: str, *, error_type: str, retry_after: str | None = None
) -> WireReply:
    """An Anthropic error body: ``{"type": "error", "error": {"type", "message"}}``."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return WireReply(
        status,
        {"type": "error", "error": {"type": error_type, "message": message}},
        headers=headers,
    )
