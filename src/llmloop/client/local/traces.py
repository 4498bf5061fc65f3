"""Traces over the embedded store: OTLP requests ingested, and traces and sessions read back."""

from __future__ import annotations

import re

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from llmloop.client.local.context import LocalContext
from llmloop.domain.trace_queries import (
    SessionPage,
    SessionQuery,
    SessionView,
    TracePage,
    TraceQuery,
    TraceTree,
)
from llmloop.domain.traces import IngestResult
from llmloop.errors import ValidationError
from llmloop.monitor.ingest import TraceIngestor
from llmloop.store.trace_queries import TraceQueryRepository

__all__ = ["LocalTraces", "all_rejected_error", "checked_session_id", "checked_trace_id"]


_TRACE_ID = re.compile(r"[0-9a-f]{32}")


def checked_trace_id(trace_id: str) -> str:
    """*trace_id* in lower-case hex; ``ValidationError`` unless it is 32 hex characters."""
    lowered = trace_id.strip().lower()
    if not _TRACE_ID.fullmatch(lowered):
        raise ValidationError(
            f"trace_id {trace_id[:80]!r} is not a trace id",
            hint="A trace id is 32 hexadecimal characters, as `llmloop traces list` shows.",
        )
    return lowered


def checked_session_id(session_id: str) -> str:
    """*session_id* unchanged; ``ValidationError`` when empty or longer than stored ids."""
    if not session_id or len(session_id) > 200:
        raise ValidationError(
            "session_id must be 1 to 200 characters",
            hint="Use an id from `llmloop sessions list`.",
        )
    return session_id


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

    def list(self, query: TraceQuery | None = None) -> TracePage:
        """One page of traces matching *query* (newest first by default)."""
        checked = (query or TraceQuery()).check()
        with self._context.database.session() as session:
            project_id = self._context.project_id(session)
            return TraceQueryRepository(session, project_id).list(checked)

    def get(self, trace_id: str) -> TraceTree:
        """One trace: summary, spans as a tree, and scores; ``NotFoundError`` if unknown."""
        wanted = checked_trace_id(trace_id)
        with self._context.database.session() as session:
            project_id = self._context.project_id(session)
            return TraceQueryRepository(session, project_id).tree(wanted)

    def sessions(self, query: SessionQuery | None = None) -> SessionPage:
        """One page of sessions, most recently active first."""
        checked = (query or SessionQuery()).check()
        with self._context.database.session() as session:
            project_id = self._context.project_id(session)
            return TraceQueryRepository(session, project_id).sessions(checked)

    def session(self, session_id: str) -> SessionView:
        """One session as a conversation; ``NotFoundError`` if no trace carries its id."""
        wanted = checked_session_id(session_id)
        with self._context.database.session() as session:
            project_id = self._context.project_id(session)
            return TraceQueryRepository(session, project_id).session_view(wanted)
