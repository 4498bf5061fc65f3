"""Turning finished llmloop spans into an OTLP ``ExportTraceServiceRequest``.

Runs on the exporter's thread only. The masking hook is applied here, to every content
attribute (input, output, messages, exception messages) and to status descriptions, so
nothing unmasked is ever serialised, let alone sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Status
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan
from opentelemetry.trace import SpanKind, StatusCode

from llmloop.sdk.attributes import CONTENT_KEYS, log_once, repairs
from llmloop.sdk.spans import LlmloopSpan, otel_span_kind

__all__ = ["MASK_FAILED", "Mask", "encode_spans"]

logger = logging.getLogger("llmloop.sdk")

#: A masking hook: gets each content text, returns what may leave the process.
Mask = Callable[[str], str]
#: What a content value becomes when the masking hook raises (nothing unmasked leaves).
MASK_FAILED = "[llmloop: masking failed, value withheld]"

_PROTO_KIND = {
    SpanKind.INTERNAL: ProtoSpan.SPAN_KIND_INTERNAL,
    SpanKind.CLIENT: ProtoSpan.SPAN_KIND_CLIENT,
}
_STATUS = {
    StatusCode.UNSET: Status.STATUS_CODE_UNSET,
    StatusCode.OK: Status.STATUS_CODE_OK,
    StatusCode.ERROR: Status.STATUS_CODE_ERROR,
}


def _any_value(value: Any) -> AnyValue:
    kind = type(value)
    if kind is str:
        return AnyValue(string_value=value)
    if kind is bool:
        return AnyValue(bool_value=value)
    if kind is int:
        return AnyValue(int_value=value)
    if kind is float:
        return AnyValue(double_value=value)
    if isinstance(value, tuple | list):
        return AnyValue(array_value=ArrayValue(values=[_any_value(item) for item in value]))
    return AnyValue(string_value=str(value))


def _apply_mask(mask: Mask | None, key: str, value: Any) -> Any:
    if mask is None or key not in CONTENT_KEYS or not isinstance(value, str):
        return value
    try:
        masked = mask(value)
    except Exception as exc:
        log_once(
            "mask-failed",
            "llmloop: the masking hook raised %s; the value was withheld (and will be each time)",
            type(exc).__name__,
        )
        repairs.count("dropped", key)
        return MASK_FAILED
    if not isinstance(masked, str):
        log_once("mask-type", "llmloop: the masking hook must return str; value withheld")
        repairs.count("dropped", key)
        return MASK_FAILED
    return masked


def _key_values(attributes: Mapping[str, Any], mask: Mask | None) -> list[KeyValue]:
    return [
        KeyValue(key=key, value=_any_value(_apply_mask(mask, key, value)))
        for key, value in attributes.items()
    ]


def _proto_span(span: LlmloopSpan, mask: Mask | None) -> ProtoSpan:
    proto = ProtoSpan(
        trace_id=span.trace_id.to_bytes(16, "big"),
        span_id=span.span_id.to_bytes(8, "big"),
        name=span.name,
        kind=_PROTO_KIND[otel_span_kind(str(span.attributes.get("llmloop.kind", "")))],
        start_time_unix_nano=span.start_ns,
        end_time_unix_nano=span.end_ns,
        attributes=_key_values(span.attributes, mask),
    )
    if span.parent_id:
        proto.parent_span_id = span.parent_id.to_bytes(8, "big")
    for name, time_ns, attributes in span.events or ():
        proto.events.add(
            name=name, time_unix_nano=time_ns, attributes=_key_values(attributes, mask)
        )
    proto.status.code = _STATUS[span.status_code]
    if span.status_message:
        message = span.status_message
        if mask is not None:
            message = _apply_mask(mask, "exception.message", message)
        proto.status.message = message
    return proto


def _encodable(spans: Sequence[LlmloopSpan], mask: Mask | None) -> list[ProtoSpan]:
    encoded = []
    for span in spans:
        try:
            encoded.append(_proto_span(span, mask))
        except Exception as exc:  # one bad span must not sink its batch
            log_once(
                "encode",
                "llmloop: a span could not be encoded (%s); it is counted failed",
                type(exc).__name__,
            )
    return encoded


def encode_spans(
    spans: Sequence[LlmloopSpan],
    *,
    resource: Mapping[str, Any],
    scope_version: str,
    mask: Mask | None = None,
) -> ExportTraceServiceRequest:
    """One OTLP request for *spans*, under one resource and the ``llmloop`` scope."""
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(attributes=_key_values(resource, None)),
                scope_spans=[
                    ScopeSpans(
                        scope=InstrumentationScope(name="llmloop", version=scope_version),
                        spans=_encodable(spans, mask),
                    )
                ],
            )
        ]
    )


def spans_in(request: ExportTraceServiceRequest) -> Iterable[ProtoSpan]:
    """Every span of an OTLP request (for counting and tests)."""
    for resource_spans in request.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            yield from scope_spans.spans
