"""Traces over the embedded store: OTLP requests ingested into the principal's project."""

from __future__ import annotations

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from llmloop.client.local.context import LocalContext
from llmloop.domain.traces import IngestResult
from llmloop.errors import ValidationError
from llmloop.monitor.ingest import TraceIngestor

__all__ = ["LocalTraces", "all_rejected_error"]


def all_rejected_error(result: IngestResult) -> ValidationError:
    """The error for a request whose every span was refused (nothing was stored)."""
    return ValidationError(
        f"all {result.rejected} spans of the request were refused: {result.error_message}",
        hint="Fix the spans named above; spans need ids, start and end times, and "
        "attribute values of the types OpenTelemetry defines.",
    )


class LocalTraces:
    """``TracesClient`` over the embedded store."""

    def __init__(self, context: LocalContext, ingestor: TraceIngestor | None = None) -> None:
        self._context = context
        self._ingestor = ingestor or TraceIngestor(context.clock)

    def ingest(self, request: ExportTraceServiceRequest) -> IngestResult:
        """Store the valid spans of *request* in this client's project, committed on return.

        Raises ``ValidationError`` when the request has spans and every one is refused.
        """
        with self._context.database.session() as session:
            project_id = self._context.project_id(session)
            result = self._ingestor.ingest(session, project_id, request)
            if result.rejected and not result.accepted:
                raise all_rejected_error(result)
        return result
