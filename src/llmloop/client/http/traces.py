"""Traces over HTTP: OTLP protobuf to the server's ``/v1/traces``; queries over REST."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from llmloop.client.http.transport import HttpTransport
from llmloop.domain.trace_queries import (
    SessionPage,
    SessionQuery,
    SessionView,
    TracePage,
    TraceQuery,
    TraceTree,
)
from llmloop.domain.traces import IngestResult
from llmloop.errors import RemoteError

__all__ = ["HttpTraces"]

_PROTOBUF = "application/x-protobuf"


def _params(query: TraceQuery | SessionQuery) -> dict[str, Any]:
    """The query as REST query parameters (defaults left out, lists repeated)."""
    return query.model_dump(mode="json", exclude_defaults=True)


def _span_count(request: ExportTraceServiceRequest) -> int:
    return sum(
        len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans
    )


class HttpTraces:
    """``TracesClient`` over the server's OTLP endpoint."""

    def __init__(self, transport: HttpTransport) -> None:
        self._transport = transport

    def ingest(self, request: ExportTraceServiceRequest) -> IngestResult:
        """POST *request* as OTLP protobuf; the reply comes after the server committed."""
        body = self._transport.post_bytes(
            "/v1/traces", request.SerializeToString(), content_type=_PROTOBUF
        )
        try:
            reply = ExportTraceServiceResponse.FromString(body)
        except Exception:
            raise RemoteError(
                f"the server at {self._transport.base_url} sent a reply to /v1/traces that is "
                "not an OTLP ExportTraceServiceResponse",
                hint="Check that LLMLOOP_SERVER_URL points at an llmloop server.",
            ) from None
        rejected = int(reply.partial_success.rejected_spans)
        message = reply.partial_success.error_message
        return IngestResult(
            accepted=max(0, _span_count(request) - rejected),
            rejected=rejected,
            errors=[message] if message else [],
        )

    def list(self, query: TraceQuery | None = None) -> TracePage:
        """One page of traces matching *query* (newest first by default)."""
        params = _params(query or TraceQuery())
        return TracePage.model_validate(
            self._transport.request("GET", "/api/v1/traces", params=params)
        )

    def get(self, trace_id: str) -> TraceTree:
        """One trace: summary, spans as a tree, and scores; ``NotFoundError`` if unknown."""
        path = f"/api/v1/traces/{quote(trace_id, safe='')}"
        return TraceTree.model_validate(self._transport.request("GET", path))

    def sessions(self, query: SessionQuery | None = None) -> SessionPage:
        """One page of sessions, most recently active first."""
        params = _params(query or SessionQuery())
        return SessionPage.model_validate(
            self._transport.request("GET", "/api/v1/sessions", params=params)
        )

    def session(self, session_id: str) -> SessionView:
        """One session as a conversation; ``NotFoundError`` if no trace carries its id."""
        path = f"/api/v1/sessions/{quote(session_id, safe='')}"
        return SessionView.model_validate(self._transport.request("GET", path))
