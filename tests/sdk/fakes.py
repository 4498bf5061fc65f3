"""Loopback fakes speaking real wire protocols: an OTLP/HTTP collector, OpenAI, Anthropic.

The OpenAI and Anthropic fakes answer from the request with the reply builders of
``tests/fakes`` (which the provider-adapter tests script one reply at a time), so each wire
format is written once.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tests.fakes.anthropic_api import anthropic_message, anthropic_stream
from tests.fakes.openai_api import openai_chat, openai_chat_stream, openai_error
from tests.fakes.openai_responses_api import openai_response, openai_response_stream
from tests.fakes.wire_server import RecordedRequest, WireReply, WireServer


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


# -- OpenAI and Anthropic: the wire formats of tests/fakes, answered from the request ----------

OPENAI_USAGE = {
    "prompt_tokens": 30,
    "completion_tokens": 12,
    "total_tokens": 42,
    "prompt_tokens_details": {"cached_tokens": 10},
    "completion_tokens_details": {"reasoning_tokens": 4},
}
ANTHROPIC_USAGE = {
    "input_tokens": 20,
    "output_tokens": 9,
    "cache_read_input_tokens": 100,
    "cache_creation_input_tokens": 5,
}
ANSWER = ("po", "ng")
WEATHER_CALL = ("call_1", "get_weather", {"city": "Oslo"})


class FakeOpenAI(WireServer):
    """Chat Completions and Responses, plain and streamed; asked for tools, it calls one.

    Set ``fail_with`` to an HTTP status to make every request fail with it.
    """

    def __init__(self) -> None:
        super().__init__(self._answer)
        self.fail_with = 0

    def _answer(self, request: RecordedRequest) -> WireReply:
        body: dict[str, Any] = request.json
        if self.fail_with:
            return openai_error(self.fail_with, "overloaded", error_type="server_error")
        calls = (WEATHER_CALL,) if body.get("tools") else ()
        model = body["model"]
        if request.path.endswith("/responses"):
            if body.get("stream"):
                return openai_response_stream(ANSWER, model=model)
            return openai_response("".join(ANSWER), function_calls=calls, model=model)
        if not body.get("stream"):
            text = None if calls else "".join(ANSWER)
            return openai_chat(text, tool_calls=calls, model=model, usage=OPENAI_USAGE)
        wants_usage = (body.get("stream_options") or {}).get("include_usage")
        return openai_chat_stream(
            () if calls else ANSWER,
            tool_calls=calls,
            model=model,
            usage=OPENAI_USAGE if wants_usage else None,
        )


class FakeAnthropic(WireServer):
    """``POST /v1/messages``, plain and streamed; asked for tools, it also uses one."""

    def __init__(self) -> None:
        super().__init__(self._answer)

    @property
    def traceparents(self) -> list[str | None]:
        """The ``traceparent`` header of each request, in order."""
        return [request.headers.get("traceparent") for request in self.requests]

    def _answer(self, request: RecordedRequest) -> WireReply:
        body: dict[str, Any] = request.json
        model = body["model"]
        if body.get("stream"):
            return anthropic_stream(ANSWER, model=model, usage=ANTHROPIC_USAGE)
        uses = (("tu_1", "get_weather", {"city": "Oslo"}),) if body.get("tools") else ()
        return anthropic_message(
            "".join(ANSWER), tool_uses=uses, model=model, usage=ANTHROPIC_USAGE
        )
