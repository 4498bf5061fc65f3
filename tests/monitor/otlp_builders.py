"""Build OTLP trace requests for tests: protobuf messages and OTLP/JSON documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from llmloop.domain.clock import ManualClock

T0_NS = int(ManualClock().now().timestamp() * 1e9)


def any_value(value: Any) -> AnyValue:
    """An OTLP AnyValue for a Python value."""
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, str):
        return AnyValue(string_value=value)
    if isinstance(value, bytes):
        return AnyValue(bytes_value=value)
    if isinstance(value, Mapping):
        result = AnyValue()
        result.kvlist_value.values.extend(key_values(value))
        return result
    result = AnyValue()
    result.array_value.values.extend(any_value(item) for item in value)
    return result


def key_values(attributes: Mapping[str, Any]) -> list[KeyValue]:
    """OTLP attributes for a dict."""
    return [KeyValue(key=key, value=any_value(value)) for key, value in attributes.items()]


def trace_id(n: int) -> bytes:
    """A valid 16-byte trace id."""
    return (n + 1).to_bytes(16, "big")


def span_id(n: int) -> bytes:
    """A valid 8-byte span id."""
    return (n + 1).to_bytes(8, "big")


def make_span(
    trace: int,
    span: int,
    *,
    parent: int | None = None,
    name: str = "step",
    start_ms: float = 0,
    duration_ms: float = 10,
    attributes: Mapping[str, Any] | None = None,
    error: bool = False,
) -> Span:
    """One span of trace number *trace*, starting *start_ms* after the test clock's time."""
    start = T0_NS + int(start_ms * 1e6)
    result = Span(
        trace_id=trace_id(trace),
        span_id=span_id(span),
        parent_span_id=span_id(parent) if parent is not None else b"",
        name=name,
        kind=Span.SPAN_KIND_INTERNAL,
        start_time_unix_nano=start,
        end_time_unix_nano=start + int(duration_ms * 1e6),
        status=Status(code=Status.STATUS_CODE_ERROR if error else Status.STATUS_CODE_OK),
    )
    result.attributes.extend(key_values(attributes or {}))
    return result


def make_request(
    spans: Sequence[Span], resource: Mapping[str, Any] | None = None
) -> ExportTraceServiceRequest:
    """One request holding *spans* under one resource and scope."""
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    resource_spans.resource.attributes.extend(
        key_values(resource or {"service.name": "support-bot"})
    )
    scope_spans = resource_spans.scope_spans.add()
    scope_spans.scope.name = "tests"
    scope_spans.spans.extend(spans)
    return request


LLM_ATTRIBUTES: dict[str, Any] = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.usage.input_tokens": 10_000,
    "gen_ai.usage.output_tokens": 2_000,
    "gen_ai.usage.cache_read.input_tokens": 4_000,
    "gen_ai.usage.cache_creation.input_tokens": 1_000,
}
"""A chat call that genai-prices prices at $0.040 (DEPENDENCIES.md §1)."""


def agent_trace(trace: int, *, session: str = "s-1", user: str = "u-1") -> list[Span]:
    """A 3-span trace: an agent root, an LLM call and a retrieval under it."""
    return [
        make_span(
            trace,
            trace * 10,
            name="answer",
            duration_ms=100,
            attributes={
                "llmloop.kind": "agent",
                "llmloop.app": "support-bot",
                "llmloop.app_version": "v3",
                "llmloop.environment": "production",
                "llmloop.session_id": session,
                "llmloop.user_id": user,
                "input.value": "How do I reset my password?",
                "output.value": "Click 'Forgot password'.",
            },
        ),
        make_span(
            trace,
            trace * 10 + 1,
            parent=trace * 10,
            name="chat gpt-4o",
            start_ms=20,
            duration_ms=50,
            attributes=LLM_ATTRIBUTES,
        ),
        make_span(
            trace,
            trace * 10 + 2,
            parent=trace * 10,
            name="search",
            start_ms=5,
            duration_ms=10,
            attributes={
                "openinference.span.kind": "RETRIEVER",
                "retrieval.documents.0.document.id": "kb-1",
                "retrieval.documents.0.document.content": "Reset via the login page.",
                "retrieval.documents.0.document.score": 0.9,
            },
        ),
    ]
