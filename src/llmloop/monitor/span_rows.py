"""One OTLP span into one ``spans`` row: validation, attribute mapping, truncation and cost.

A span that cannot be stored raises :class:`SpanRejectedError` with the reason; the caller rejects
that span alone. Strings are cleaned of NUL characters, which PostgreSQL text cannot hold.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from llmloop.domain.pricing import PriceBook, TokenUsage
from llmloop.domain.trace_conventions import (
    CONVENTIONS_VERSION,
    AttributeTypeError,
    MappedSpan,
    SpanEvent,
    map_span,
)
from llmloop.domain.traces import IngestLimits, SpanKind, SpanStatus

__all__ = ["SpanRejectedError", "SpanSource", "attribute_dict", "span_row"]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO_TRACE: Final = bytes(16)
_ZERO_SPAN: Final = bytes(8)
_STATUS_BY_CODE: Final = {0: SpanStatus.UNSET, 1: SpanStatus.OK, 2: SpanStatus.ERROR}
_NAME_CHARS: Final = 500
_MAX_NS: Final = 2**63 - 1
_SHORT_CHARS: Final = 200
#: Kinds whose tokens and cost add up to the trace's: wrapper spans (agents, chains) may
#: repeat their children's usage, and counting both would double it.
USAGE_KINDS: Final = frozenset({SpanKind.LLM, SpanKind.EMBEDDING})


class SpanRejectedError(ValueError):
    """This span cannot be stored; ``str()`` says why."""


class _UnknownValueError(ValueError):
    pass


@dataclass(frozen=True)
class SpanSource:
    """Where a span came from: its resource's attributes and its instrumentation scope."""

    resource: Mapping[str, Any]
    scope: str | None
    defaults: Mapping[str, Any]
    """:func:`resource_defaults` of the resource, worked out once for all its spans."""


def _clean(text: str) -> str:
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return _clean(value.string_value)
    if kind == "int_value" or kind == "bool_value":
        return getattr(value, kind)
    if kind == "double_value":
        number = value.double_value
        # JSON (and PostgreSQL's json type) has no NaN or infinity.
        return number if math.isfinite(number) else str(number)
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return {_clean(kv.key): _value(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    raise _UnknownValueError


def attribute_dict(attributes: Iterable[KeyValue]) -> dict[str, Any]:
    """OTLP attributes as a plain dict; raise ``SpanRejectedError`` on a value of unknown type."""
    result: dict[str, Any] = {}
    for attribute in attributes:
        key = _clean(attribute.key)
        try:
            result[key] = _value(attribute.value)
        except _UnknownValueError:
            raise SpanRejectedError(
                f"attribute {key[:80]!r} has no value of a known OTLP type (string, bool, int, "
                "double, array, kvlist or bytes)"
            ) from None
    return result


def _at(unix_nano: int) -> datetime:
    return _EPOCH + timedelta(microseconds=unix_nano // 1000)


def _cut(text: str | None, limit: int) -> tuple[str | None, bool]:
    if text is None or len(text) <= limit:
        return text, False
    return text[:limit], True


def _short(text: str | None, limit: int = _SHORT_CHARS) -> str | None:
    # Mapped values come from attributes, which are already clean of NUL characters.
    return text if text is None or len(text) <= limit else text[:limit]


def _check_ids(span: Span) -> tuple[str, str, str | None]:
    if len(span.trace_id) != 16 or span.trace_id == _ZERO_TRACE:
        raise SpanRejectedError("it has no valid trace id (16 bytes; 32 hex characters in JSON)")
    if len(span.span_id) != 8 or span.span_id == _ZERO_SPAN:
        raise SpanRejectedError("it has no valid span id (8 bytes; 16 hex characters in JSON)")
    parent = span.parent_span_id
    if parent and len(parent) != 8:
        raise SpanRejectedError("its parent span id is not 8 bytes (16 hex characters in JSON)")
    return span.trace_id.hex(), span.span_id.hex(), parent.hex() if parent.strip(b"\0") else None


@lru_cache(maxsize=16)
def _latest_ns(now: datetime, max_future_skew_s: float) -> int:
    return int((now - _EPOCH).total_seconds() * 1e9 + max_future_skew_s * 1e9)


def _check_times(span: Span, now: datetime, limits: IngestLimits) -> None:
    start, end = span.start_time_unix_nano, span.end_time_unix_nano
    if start == 0 or end == 0:
        raise SpanRejectedError("it has no start or end time")
    if end < start:
        raise SpanRejectedError("it ends before it starts")
    if end > _latest_ns(now, limits.max_future_skew_s):
        raise SpanRejectedError(
            f"it ends at {_at(min(end, _MAX_NS)).isoformat()}, more than "
            f"{limits.max_future_skew_s:g} s after the receiver's clock ({now.isoformat()})"
        )


def _events(span: Span) -> tuple[list[SpanEvent], list[dict[str, Any]]]:
    mapped: list[SpanEvent] = []
    stored: list[dict[str, Any]] = []
    for event in span.events:
        attributes = attribute_dict(event.attributes)
        name = _clean(event.name)
        mapped.append(SpanEvent(name, attributes))
        stored.append(
            {"name": name, "time_unix_nano": event.time_unix_nano, "attributes": attributes}
        )
    return mapped, stored


def _links(span: Span) -> list[dict[str, Any]]:
    return [
        {
            "trace_id": link.trace_id.hex(),
            "span_id": link.span_id.hex(),
            "attributes": attribute_dict(link.attributes),
        }
        for link in span.links
    ]


def _cost(mapped: MappedSpan, prices: PriceBook, at: datetime) -> tuple[float | None, str | None]:
    if mapped.client_cost_usd is not None:
        return mapped.client_cost_usd, "client"
    if mapped.model is None or (mapped.input_tokens is None and mapped.output_tokens is None):
        return None, None
    usage = TokenUsage(
        input_tokens=mapped.input_tokens or 0,
        output_tokens=mapped.output_tokens or 0,
        cache_read_tokens=mapped.cache_read_tokens or 0,
        cache_write_tokens=mapped.cache_write_tokens or 0,
        reasoning_tokens=mapped.reasoning_tokens or 0,
    )
    if usage.is_empty or mapped.model is None:
        return None, None
    cost: Decimal | None = prices.cost_usd(mapped.model, mapped.provider, usage, at=at)
    return (None, None) if cost is None else (float(cost), "price")


def _truncated_attributes(attributes: dict[str, Any], limit: int) -> list[str]:
    cut = []
    for key, value in attributes.items():
        if isinstance(value, str) and len(value) > limit:
            attributes[key] = value[:limit]
            cut.append(key)
    return cut


def span_row(
    span: Span,
    source: SpanSource,
    *,
    project_id: int,
    now: datetime,
    limits: IngestLimits,
    prices: PriceBook,
) -> dict[str, Any]:
    """The ``spans`` row of *span*; raise :class:`SpanRejectedError` when it cannot be stored."""
    trace_id, span_id, parent_span_id = _check_ids(span)
    _check_times(span, now, limits)
    attributes = attribute_dict(span.attributes)
    events, stored_events = _events(span)
    try:
        mapped = map_span(attributes, events=events, defaults=source.defaults)
    except AttributeTypeError as exc:
        raise SpanRejectedError(str(exc)) from None
    start = _at(span.start_time_unix_nano)
    cost_usd, cost_source = _cost(mapped, prices, start)
    text_in, input_cut = _cut(mapped.input, limits.max_text_chars)
    text_out, output_cut = _cut(mapped.output, limits.max_text_chars)
    truncation: dict[str, Any] = {}
    if input_cut:
        truncation["input_chars"] = len(mapped.input or "")
    if output_cut:
        truncation["output_chars"] = len(mapped.output or "")
    cut_keys = _truncated_attributes(attributes, limits.max_text_chars)
    if cut_keys:
        truncation["attributes"] = cut_keys
    status = _STATUS_BY_CODE.get(span.status.code, SpanStatus.UNSET)
    return {
        "project_id": project_id,
        "trace_id": trace_id,
        "span_id": span_id,
        "parent_span_id": parent_span_id,
        "name": _clean(span.name)[:_NAME_CHARS] or "(unnamed)",
        "kind": mapped.kind.value,
        "otel_kind": span.kind if 0 <= span.kind < 2**15 else 0,
        "scope": None if source.scope is None else _clean(source.scope)[:_SHORT_CHARS],
        "start_time": start,
        "end_time": _at(span.end_time_unix_nano),
        "start_ns": span.start_time_unix_nano,
        "end_ns": span.end_time_unix_nano,
        "duration_ms": (span.end_time_unix_nano - span.start_time_unix_nano) / 1e6,
        "status": status.value,
        "status_message": _clean(span.status.message) or None,
        "model": _short(mapped.model),
        "provider": _short(mapped.provider, 100),
        "input_tokens": mapped.input_tokens,
        "output_tokens": mapped.output_tokens,
        "total_tokens": mapped.total_tokens,
        "cache_read_tokens": mapped.cache_read_tokens,
        "cache_write_tokens": mapped.cache_write_tokens,
        "reasoning_tokens": mapped.reasoning_tokens,
        "cost_usd": cost_usd,
        "cost_source": cost_source,
        "app": _short(mapped.app),
        "app_version": _short(mapped.app_version),
        "environment": _short(mapped.environment),
        "variant": _short(mapped.variant),
        "rollout_step": mapped.rollout_step,
        "session_id": _short(mapped.session_id),
        "user_id": _short(mapped.user_id),
        "tags": list(mapped.tags),
        "input": text_in,
        "output": text_out,
        "input_truncated": input_cut,
        "output_truncated": output_cut,
        "truncation": truncation,
        "attributes": attributes,
        "resource_attributes": dict(source.resource),
        "events": stored_events,
        "links": _links(span),
        "conventions_version": CONVENTIONS_VERSION,
        "received_at": now,
    }
