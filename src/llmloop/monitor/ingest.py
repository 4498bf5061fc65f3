"""Trace ingestion: the one function that the OTLP endpoint and the SDK's embedded mode call.

``ingest_otlp`` validates and maps every span of an OTLP request, rejects bad spans one by one
(with the reason), stores the rest idempotently and merges each touched trace's summary, all
in one transaction: when it returns, the spans are committed (or the caller's session will
commit them), so the endpoint acknowledges only what is durable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from sqlalchemy.orm import Session

from llmloop.domain.clock import Clock
from llmloop.domain.pricing import PriceBook
from llmloop.domain.trace_conventions import AttributeTypeError, resource_defaults
from llmloop.domain.traces import (
    MAX_REPORTED_ERRORS,
    IngestLimits,
    IngestResult,
    SpanStatus,
)
from llmloop.monitor.span_rows import (
    USAGE_KINDS,
    SpanRejectedError,
    SpanSource,
    attribute_dict,
    span_row,
)
from llmloop.settings import Settings
from llmloop.store.database import Database
from llmloop.store.traces import TraceWriter

__all__ = ["TraceIngestor", "ingest_otlp", "ingestor_from_settings"]

_USAGE_KIND_VALUES = frozenset(kind.value for kind in USAGE_KINDS)


@dataclass
class _Batch:
    """Rows of one request, deduplicated, and the reasons for the spans refused."""

    rows: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    accepted: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)

    def reject(self, span_hex: str, trace_hex: str, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(f"span {span_hex or '?'} of trace {trace_hex or '?'}: {reason}")


def _collect(
    request: ExportTraceServiceRequest,
    project_id: int,
    now: datetime,
    limits: IngestLimits,
    prices: PriceBook,
) -> _Batch:
    batch = _Batch()
    for resource_spans in request.resource_spans:
        try:
            resource = attribute_dict(resource_spans.resource.attributes)
            defaults = resource_defaults(resource)
        except (SpanRejectedError, AttributeTypeError) as exc:
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    batch.reject(span.span_id.hex(), span.trace_id.hex(), f"its resource: {exc}")
            continue
        for scope_spans in resource_spans.scope_spans:
            source = SpanSource(resource, scope_spans.scope.name or None, defaults)
            for span in scope_spans.spans:
                try:
                    row = span_row(
                        span, source, project_id=project_id, now=now, limits=limits, prices=prices
                    )
                except SpanRejectedError as exc:
                    batch.reject(span.span_id.hex(), span.trace_id.hex(), str(exc))
                    continue
                batch.accepted += 1
                # A span repeated inside one request is stored once, like one sent twice.
                batch.rows.setdefault((row["trace_id"], row["span_id"]), row)
    return batch


def _summary(
    rows: list[dict[str, Any]], ns: list[tuple[int, int]], limits: IngestLimits, now: datetime
) -> dict[str, Any]:
    """One trace's summary from the spans of this batch (the store merges it with earlier ones)."""
    order = sorted(range(len(rows)), key=lambda i: ns[i][0])
    roots = [i for i in order if rows[i]["parent_span_id"] is None]
    lead = rows[roots[0] if roots else order[0]]
    usage = [row for row in rows if row["kind"] in _USAGE_KIND_VALUES]
    costs = [row["cost_usd"] for row in usage if row["cost_usd"] is not None]
    first_start = min(ns, key=lambda pair: pair[0])[0]
    last_end = max(ns, key=lambda pair: pair[1])[1]
    start_row = rows[min(range(len(rows)), key=lambda i: ns[i][0])]
    end_row = rows[max(range(len(rows)), key=lambda i: ns[i][1])]
    errors = sum(1 for row in rows if row["status"] == SpanStatus.ERROR.value)

    def first(name: str) -> Any:
        if lead[name] is not None:
            return lead[name]
        return next((rows[i][name] for i in order if rows[i][name] is not None), None)

    preview = limits.preview_chars
    return {
        "project_id": lead["project_id"],
        "trace_id": lead["trace_id"],
        "name": lead["name"],
        "kind": lead["kind"],
        "has_root": bool(roots),
        **{
            name: first(name)
            for name in (
                "app",
                "app_version",
                "environment",
                "variant",
                "rollout_step",
                "session_id",
                "user_id",
            )
        },
        "tags": lead["tags"] or next((row["tags"] for row in rows if row["tags"]), []),
        "start_time": start_row["start_time"],
        "end_time": end_row["end_time"],
        "start_ns": first_start,
        "end_ns": last_end,
        "duration_ms": (last_end - first_start) / 1e6,
        "status": SpanStatus.ERROR.value if errors else SpanStatus.OK.value,
        "span_count": len(rows),
        "error_count": errors,
        "input_tokens": sum(row["input_tokens"] or 0 for row in usage),
        "output_tokens": sum(row["output_tokens"] or 0 for row in usage),
        "total_tokens": sum(row["total_tokens"] or 0 for row in usage),
        "cost_usd": sum(costs) if costs else None,
        "unpriced_span_count": sum(
            1 for row in usage if row["cost_usd"] is None and (row["total_tokens"] or 0) > 0
        ),
        "input_preview": None if lead["input"] is None else lead["input"][:preview],
        "output_preview": None if lead["output"] is None else lead["output"][:preview],
        "updated_at": now,
    }


class TraceIngestor:
    """Ingests OTLP requests into one store with fixed limits and prices."""

    def __init__(
        self,
        clock: Clock,
        *,
        limits: IngestLimits | None = None,
        prices: PriceBook | None = None,
    ) -> None:
        self.clock = clock
        self.limits = limits or IngestLimits()
        self.prices = prices or PriceBook()

    def ingest(
        self, session: Session, project_id: int, request: ExportTraceServiceRequest
    ) -> IngestResult:
        """Store the valid spans of *request* in *session*'s transaction; report the rest."""
        now = self.clock.now()
        batch = _collect(request, project_id, now, self.limits, self.prices)
        rows = list(batch.rows.values())
        ns = {key: (row.pop("start_ns"), row.pop("end_ns")) for key, row in batch.rows.items()}
        writer = TraceWriter(session)
        inserted = writer.insert_spans(rows)
        by_trace: dict[str, list[dict[str, Any]]] = {}
        for key in inserted:
            by_trace.setdefault(key[0], []).append(batch.rows[key])
        summaries = [
            _summary(
                trace_rows,
                [ns[(row["trace_id"], row["span_id"])] for row in trace_rows],
                self.limits,
                now,
            )
            for trace_rows in by_trace.values()
        ]
        writer.merge_summaries(summaries)
        return IngestResult(accepted=batch.accepted, rejected=batch.rejected, errors=batch.errors)


@contextmanager
def _session(target: Session | Database) -> Iterator[Session]:
    if isinstance(target, Session):
        yield target
        return
    with target.session() as session:
        yield session


def ingest_otlp(
    target: Session | Database,
    project_id: int,
    request: ExportTraceServiceRequest,
    *,
    clock: Clock,
    limits: IngestLimits | None = None,
    prices: PriceBook | None = None,
) -> IngestResult:
    """Store the valid spans of an OTLP request for *project_id*; report the rejected ones.

    Given a :class:`Database`, the spans are committed before this returns; given a session,
    they are part of its transaction.
    """
    ingestor = TraceIngestor(clock, limits=limits, prices=prices)
    with _session(target) as session:
        return ingestor.ingest(session, project_id, request)


def ingestor_from_settings(settings: Settings, clock: Clock) -> TraceIngestor:
    """An ingestor with the text limit and the user's prices from *settings*."""
    return TraceIngestor(
        clock,
        limits=IngestLimits(max_text_chars=settings.span_text_max_chars),
        prices=PriceBook(settings.prices),
    )
