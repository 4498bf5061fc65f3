"""A scripted HTTP server on 127.0.0.1: each request takes the next queued reply.

With no reply queued, an optional *responder* answers from the request itself, so a fake can
behave like the real API (answer tool requests with tool calls, stream when asked to).

Replies are JSON bodies or server-sent event streams, with any status and headers; a reply can
hold the connection until the test releases it (to provoke client timeouts without sleeping)
or cut a stream after some events (to provoke a mid-stream failure). Every request is recorded
with its path, headers and JSON body.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["RecordedRequest", "WireReply", "WireServer", "sse_body"]


@dataclass(frozen=True)
class WireReply:
    """One scripted answer: a JSON body or SSE events, a status and headers."""

    status: int = 200
    body: Any = None
    events: tuple[tuple[str | None, Any], ...] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None  # wait for this before answering
    cut_after_events: int | None = None  # close the stream after this many events


@dataclass(frozen=True)
class RecordedRequest:
    """What the server received."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any


def sse_body(events: tuple[tuple[str | None, Any], ...]) -> bytes:
    """Server-sent events: optional ``event:`` line, one ``data:`` line, a blank line."""
    lines: list[str] = []
    for event, data in events:
        if event:
            lines.append(f"event: {event}")
        lines.append(f"data: {data if isinstance(data, str) else json.dumps(data)}")
        lines.append("")
    return ("\n".join(lines) + "\n").encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        server: WireServer = self.server.wire  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode("utf-8", "replace")
        reply = server.record_and_take(
            RecordedRequest(
                "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, payload
            )
        )
        if reply.hold is not None:
            reply.hold.wait(timeout=10)
        if reply.events is None:
            body = json.dumps(reply.body).encode()
            self._send(reply, body, "application/json")
            return
        events = reply.events
        if reply.cut_after_events is not None:
            events = events[: reply.cut_after_events]
            self.send_response(reply.status)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(sse_body(reply.events))))
            self.end_headers()
            self.wfile.write(sse_body(events))
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(reply, sse_body(events), "text/event-stream")

    def _send(self, reply: WireReply, body: bytes, content_type: str) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class WireServer:
    """A started-on-enter scripted server; ``url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self, responder: Callable[[RecordedRequest], WireReply] | None = None) -> None:
        self.requests: list[RecordedRequest] = []
        self._responder = responder
        self._replies: deque[WireReply] = deque()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.wire = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """The server's base URL."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def enqueue(self, *replies: WireReply) -> None:
        """Queue replies for the next requests, in order."""
        with self._lock:
            self._replies.extend(replies)

    def record_and_take(self, request: RecordedRequest) -> WireReply:
        """Record *request*; return the next queued reply, else the responder's, else a 500."""
        with self._lock:
            self.requests.append(request)
            if self._replies:
                return self._replies.popleft()
        if self._responder is not None:
            return self._responder(request)
        return WireReply(500, {"error": {"message": "the fake server has no scripted reply"}})

    def start(self) -> WireServer:
        """Serve in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> WireServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
