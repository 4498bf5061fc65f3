"""Traces over HTTP: OTLP protobuf to the server's ``/v1/traces``."""

from __future__ import annotations

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from llmloop.client.http.transport import HttpTransport
from llmloop.domain.traces import IngestResult
from llmloop.errors import RemoteError

__all__ = ["HttpTraces"]

_PROTOBUF = "application/x-protobuf"


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
