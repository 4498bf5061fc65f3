"""Loopback fakes speaking real wire protocols: an OTLP/HTTP collector, OpenAI, Anthropic."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span


class _Server:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread; ``port`` is fixed once bound."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        self._handler = handler
        self.port = port
        self._httpd: ThreadingHTTPServer | None = None

    def start(self) -> None:
        httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler)
        httpd.daemon_threads = True
        httpd.fake = self  # type: ignore[attr-defined]
        self.port = httpd.server_address[1]
        self._httpd = httpd
        threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)


class _CollectorHandler(_Handler):
    def do_POST(self) -> None:
        fake: FakeCollector = self.server.fake  # type: ignore[attr-defined]
        body = self._body()
        with fake.lock:
            fake.authorizations.append(self.headers.get("Authorization"))
            status, headers = fake.replies.pop(0) if fake.replies else (200, {})
            if status == 200:
                fake.requests.append(ExportTraceServiceRequest.FromString(body))
        payload = ExportTraceServiceResponse().SerializeToString() if status == 200 else b""
        self._reply(status, payload, "application/x-protobuf", **headers)


class FakeCollector(_Server):
    """An OTLP/HTTP trace receiver; ``replies`` queues (status, headers) answers."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(_CollectorHandler, port)
        self.lock = threading.Lock()
        self.requests: list[ExportTraceServiceRequest] = []
        self.replies: list[tuple[int, dict[str, str]]] = []
        self.authorizations: list[str | None] = []

    @property
    def endpoint(self) -> str:
        return f"{self.url}/v1/traces"

    def spans(self) -> list[Span]:
        with self.lock:
            return [
                span
                for request in self.requests
                for resource in request.resource_spans
                for scope in resource.scope_spans
                for span in scope.spans
            ]


def attributes_of(span: Span) -> dict[str, Any]:
    """A protobuf span's attributes as a plain dict."""
    values: dict[str, Any] = {}
    for item in span.attributes:
        which = item.value.WhichOneof("value")
        value = getattr(item.value, which) if which else None
        if which == "array_value":
            value = [getattr(v, v.WhichOneof("value")) for v in value.values]
        values[item.key] = value
    return values


# -- OpenAI ------------------------------------------------------------------------------------

OPENAI_USAGE = {
    "prompt_tokens": 30,
    "completion_tokens": 12,
    "total_tokens": 42,
    "prompt_tokens_details": {"cached_tokens": 10},
    "completion_tokens_details": {"reasoning_tokens": 4},
}


def _sse(events: Iterator[tuple[str | None, Any]]) -> bytes:
    lines = []
    for event, data in events:
        if event:
            lines.append(f"event: {event}")
        lines.append(f"data: {data if isinstance(data, str) else json.dumps(data)}")
        lines.append("")
    return ("\n".join(lines) + "\n").encode()


class _OpenAIHandler(_Handler):
    def do_POST(self) -> None:
        fake: FakeOpenAI = self.server.fake  # type: ignore[attr-defined]
        request = json.loads(self._body())
        fake.requests.append(request)
        if fake.fail_with:
            error = {"error": {"message": "overloaded", "type": "server_error"}}
            self._reply(fake.fail_with, json.dumps(error).encode(), "application/json")
            return
        if self.path.endswith("/responses"):
            self._responses(request)
            return
        model = request["model"]
        tools = bool(request.get("tools"))
        if not request.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": "pong"}
            if tools:
                message = {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
                        }
                    ],
                }
            body = {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "finish_reason": "tool_calls" if tools else "stop",
                    }
                ],
                "usage": OPENAI_USAGE,
            }
            self._reply(200, json.dumps(body).encode(), "application/json")
            return

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": "chatcmpl-2",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        def events() -> Iterator[tuple[str | None, Any]]:
            yield None, chunk({"role": "assistant", "content": ""})
            if tools:
                yield (
                    None,
                    chunk(
                        {
                            "tool_calls": [
                                {
                                    "index": 0,
                                    "id": "call_9",
                                    "type": "function",
                                    "function": {"name": "get_weather", "arguments": '{"ci'},
                                }
                            ]
                        }
                    ),
                )
                yield (
                    None,
                    chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ty":"Oslo"}'}}]}),
                )
                yield None, chunk({}, "tool_calls")
            else:
                for piece in ("po", "ng"):
                    yield None, chunk({"content": piece})
                yield None, chunk({}, "stop")
            if (request.get("stream_options") or {}).get("include_usage"):
                usage_chunk = chunk({})
                usage_chunk["choices"] = []
                usage_chunk["usage"] = OPENAI_USAGE
                yield None, usage_chunk
            yield None, "[DONE]"

        self._reply(200, _sse(events()), "text/event-stream")

    def _responses(self, request: dict[str, Any]) -> None:
        output: list[dict[str, Any]] = [
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": "pong", "annotations": []}],
            }
        ]
        if request.get("tools"):
            output.append(
                {
                    "type": "function_call",
                    "id": "fc_1",
                    "call_id": "call_7",
                    "name": "get_weather",
                    "arguments": '{"city":"Oslo"}',
                    "status": "completed",
                }
            )
        response = {
            "id": "resp_1",
            "object": "response",
            "created_at": 1,
            "model": request["model"],
            "status": "completed",
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": RESPONSES_USAGE,
        }
        if not request.get("stream"):
            self._reply(200, json.dumps(response).encode(), "application/json")
            return

        def events() -> Iterator[tuple[str | None, Any]]:
            started = {**response, "status": "in_progress", "output": [], "usage": None}
            yield (
                "response.created",
                {"type": "response.created", "response": started, "sequence_number": 0},
            )
            message = output[0]
            where = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
            sequence = [
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
                    {"type": "response.output_text.delta", **where, "delta": d, "logprobs": []}
                    for d in ("po", "ng")
                ),
                {"type": "response.output_text.done", **where, "text": "pong", "logprobs": []},
                {"type": "response.content_part.done", **where, "part": message["content"][0]},
                {"type": "response.output_item.done", "output_index": 0, "item": message},
                {"type": "response.completed", "response": response},
            ]
            for number, event in enumerate(sequence, start=1):
                yield event["type"], {**event, "sequence_number": number}

        self._reply(200, _sse(events()), "text/event-stream")


RESPONSES_USAGE = {
    "input_tokens": 25,
    "output_tokens": 7,
    "total_tokens": 32,
    "input_tokens_details": {"cached_tokens": 5},
    "output_tokens_details": {"reasoning_tokens": 3},
}


class FakeOpenAI(_Server):
    """``POST /v1/chat/completions``, plain and streamed (with tool calls when asked)."""

    def __init__(self) -> None:
        super().__init__(_OpenAIHandler)
        self.requests: list[dict[str, Any]] = []
        self.fail_with = 0


# -- Anthropic ---------------------------------------------------------------------------------

ANTHROPIC_USAGE = {
    "input_tokens": 20,
    "output_tokens": 9,
    "cache_read_input_tokens": 100,
    "cache_creation_input_tokens": 5,
}


class _AnthropicHandler(_Handler):
    def do_POST(self) -> None:
        fake: FakeAnthropic = self.server.fake  # type: ignore[attr-defined]
        request = json.loads(self._body())
        fake.requests.append(request)
        fake.traceparents.append(self.headers.get("traceparent"))
        model = request["model"]
        tools = bool(request.get("tools"))
        if not request.get("stream"):
            content: list[dict[str, Any]] = [{"type": "text", "text": "pong"}]
            if tools:
                content.append(
                    {
                        "type": "tool_use",
                        "id": "tu_1",
                        "name": "get_weather",
                        "input": {"city": "Oslo"},
                    }
                )
            body = {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": content,
                "stop_reason": "tool_use" if tools else "end_turn",
                "stop_sequence": None,
                "usage": ANTHROPIC_USAGE,
            }
            self._reply(200, json.dumps(body).encode(), "application/json")
            return

        def events() -> Iterator[tuple[str | None, Any]]:
            start_usage = {**ANTHROPIC_USAGE, "output_tokens": 1}
            yield (
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": "msg_2",
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": start_usage,
                    },
                },
            )
            yield (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            )
            yield "ping", {"type": "ping"}
            for piece in ("po", "ng"):
                yield (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": piece},
                    },
                )
            yield "content_block_stop", {"type": "content_block_stop", "index": 0}
            yield (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": 9},
                },
            )
            yield "message_stop", {"type": "message_stop"}

        self._reply(200, _sse(events()), "text/event-stream")


class FakeAnthropic(_Server):
    """``POST /v1/messages``, plain and streamed; records the ``traceparent`` it got."""

    def __init__(self) -> None:
        super().__init__(_AnthropicHandler)
        self.requests: list[dict[str, Any]] = []
        self.traceparents: list[str | None] = []
