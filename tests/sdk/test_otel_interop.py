"""llmloop spans and an application's own OpenTelemetry spans nest both ways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import llmloop
from tests.sdk.conftest import MemorySink


@pytest.fixture
def app_tracer() -> Iterator[tuple[trace.Tracer, InMemorySpanExporter]]:
    """The application's own, separate OpenTelemetry SDK provider (not the global one)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider.get_tracer("app"), exporter
    provider.shutdown()


def test_app_span_wraps_llmloop_span(
    memory_sink: MemorySink, app_tracer: tuple[trace.Tracer, InMemorySpanExporter]
) -> None:
    tracer, exported = app_tracer
    with tracer.start_as_current_span("http-request") as outer, llmloop.span("answer"):
        pass
    llmloop.flush(10)
    ours = memory_sink.by_name("answer")
    context = outer.get_span_context()
    assert int.from_bytes(ours.trace_id, "big") == context.trace_id
    assert int.from_bytes(ours.parent_span_id, "big") == context.span_id
    assert [s.name for s in exported.get_finished_spans()] == ["http-request"]


def test_llmloop_span_wraps_app_span(
    memory_sink: MemorySink, app_tracer: tuple[trace.Tracer, InMemorySpanExporter]
) -> None:
    tracer, exported = app_tracer

    @llmloop.observe(name="pipeline")
    def pipeline() -> None:
        with tracer.start_as_current_span("db-query"), llmloop.span("inner"):
            pass

    pipeline()
    llmloop.flush(10)
    (db_query,) = exported.get_finished_spans()
    ours = memory_sink.by_name("pipeline")
    assert db_query.parent is not None
    assert db_query.parent.span_id == int.from_bytes(ours.span_id, "big")
    assert db_query.context.trace_id == int.from_bytes(ours.trace_id, "big")
    inner = memory_sink.by_name("inner")
    assert int.from_bytes(inner.parent_span_id, "big") == db_query.context.span_id
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"


def test_llmloop_span_propagates_w3c_trace_context(memory_sink: MemorySink) -> None:
    from opentelemetry.propagate import inject

    with llmloop.span("outgoing") as span:
        headers: dict[str, str] = {}
        inject(headers)
    context = span.get_span_context()
    assert headers["traceparent"] == f"00-{context.trace_id:032x}-{context.span_id:016x}-01"
