"""Replies in the OpenAI Responses wire format (JSON and streaming)."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.wire_server import WireReply

__all__ = ["RESPONSES_USAGE", "openai_response", "openai_response_stream"]

RESPONSES_USAGE: dict[str, Any] = {
    "input_tokens": 25,
    "output_tokens": 7,
    "total_tokens": 32,
    "input_tokens_details": {"cached_tokens": 5},
    "output_tokens_details": {"reasoning_tokens": 3},
}

FunctionCall = tuple[str, str, dict[str, Any]]  # call id, name, arguments


def _response(
    text: str, function_calls: tuple[FunctionCall, ...], model: str, usage: dict[str, Any]
) -> dict[str, Any]:
    output: list[dict[str, Any]] = [
        {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }
    ]
    output += [
        {
            "type": "function_call",
            "id": f"fc_{number}",
            "call_id": call_id,
            "name": name,
            "arguments": json.dumps(arguments),
            "status": "completed",
        }
        for number, (call_id, name, arguments) in enumerate(function_calls, start=1)
    ]
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "model": model,
        "status": "completed",
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": usage,
    }


def openai_response(
    text: str = "",
    *,
    function_calls: tuple[FunctionCall, ...] = (),
    model: str = "gpt-4o",
    usage: dict[str, Any] = RESPONSES_USAGE,
) -> WireReply:
    """A ``response`` object: one output message, then any function calls."""
    return WireReply(body=_response(text, function_calls, model, usage))


def openai_response_stream(
    pieces: tuple[str, ...] = (),
    *,
    model: str = "gpt-4o",
    usage: dict[str, Any] = RESPONSES_USAGE,
) -> WireReply:
    """The Responses event stream of one text message, from ``response.created`` to completed."""
    response = _response("".join(pieces), (), model, usage)
    message = response["output"][0]
    where = {"item_id": message["id"], "output_index": 0, "content_index": 0}
    started = {**response, "status": "in_progress", "output": [], "usage": None}
    sequence: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**message, "status": "in_progress", "content": []},
        },
        {
            "type": "response.content_part.added",
            **where,
            "part": {"type": "output_text", "text": "", "annotations": []},
        },
        *(
            {"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []}
            for piece in pieces
        ),
        {
            "type": "response.output_text.done",
            **where,
            "text": "".join(pieces),
            "logprobs": [],
        },
        {"type": "response.content_part.done", **where, "part": message["content"][0]},
        {"type": "response.output_item.done", "output_index": 0, "item": message},
        {"type": "response.completed", "response": response},
    ]
    events = tuple(
        (event["type"], {**event, "sequence_number": number})
        for number, event in enumerate(sequence)
    )
    return WireReply(events=events)
