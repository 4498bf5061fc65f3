"""The lean span recorder: OpenTelemetry spans without the OpenTelemetry SDK on the hot path.

:class:`LlmloopSpan` implements OpenTelemetry's ``Span`` API and lives in OpenTelemetry's
context, so an application's own OTel spans nest inside llmloop spans and the other way round.
It only stores what the caller hands it (a plain dict of attributes, two timestamps); turning
it into OTLP, masking content and every byte of I/O happen on the exporter's thread.
``benchmarks/sdk_overhead.py`` is why: this costs less per span on the caller's thread than a
bare OpenTelemetry SDK span with a ``BatchSpanProcessor``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import (
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)
from opentelemetry.util import types as otel_types

from llmloop.sdk import attributes as names
from llmloop.sdk.attributes import safe_attribute, to_text

if TYPE_CHECKING:
    from llmloop.domain.clock import Clock

__all__ = ["ActiveSpan", "LlmloopSpan", "Recorder", "context_attributes", "current_llmloop_span"]

_MASK_64 = (1 << 64) - 1
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)
_NOT_SAMPLED = TraceFlags(TraceFlags.DEFAULT)
_getrandbits = random.getrandbits  # reseeded by the random module after fork
_time_ns = time.time_ns
_get_value = otel_context.get_value
_set_value = otel_context.set_value
_attach = otel_context.attach
_detach = otel_context.detach
# The key OpenTelemetry keeps the current span under (trace.set_span_in_context uses it).
_SPAN_KEY = trace._SPAN_KEY  # type: ignore[attr-defined]

#: Attributes set by ``llmloop.context(...)`` for every span started in this context.
context_attributes: ContextVar[Mapping[str, str] | None] = ContextVar(
    "llmloop_context_attributes", default=None
)


def _clock_ns(clock: Clock) -> Callable[[], int]:
    def now_ns() -> int:
        moment = clock.now()
        return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000

    return now_ns


class Recorder:
    """What spans need from the configuration: sampling, content switch, limits, the sink."""

    def __init__(
        self,
        *,
        sample_ratio: float,
        capture_content: bool,
        max_value_chars: int,
        on_end: Callable[[LlmloopSpan], None],
        default_attributes: Mapping[str, str] | None = None,
        clock: Clock | None = None,
    ) -> None:
        # Span timestamps come from the clock when one is given (tests, simulations), else
        # straight from time.time_ns (the hot path pays no indirection for SystemClock).
        self.time_ns: Callable[[], int] = _time_ns if clock is None else _clock_ns(clock)
        self.sample_bound = round(sample_ratio * (1 << 64))
        self.capture_content = capture_content
        self.max_value_chars = max_value_chars
        self.on_end = on_end
        self.default_attributes = dict(default_attributes or {})

    def start(self, name: str, kind: str, *, parent: Any = None) -> LlmloopSpan:
        """Start a span under *parent* (default: the current span of the OTel context)."""
        if parent is None:
            parent = _get_value(_SPAN_KEY)
        if type(parent) is LlmloopSpan:
            trace_id = parent.trace_id
            parent_id = parent.span_id
            sampled = parent.sampled
        else:
            parent_context = parent.get_span_context() if parent is not None else None
            if parent_context is not None and parent_context.is_valid:
                trace_id = parent_context.trace_id
                parent_id = parent_context.span_id
            else:
                trace_id = _getrandbits(128) or 1
                parent_id = 0
            # Sampling is by trace id, so every span of one trace gets the same decision.
            sampled = (trace_id & _MASK_64) < self.sample_bound
        attributes: dict[str, Any] = {names.KIND: kind}
        if sampled:  # an unsampled span records nothing: skip the merging
            if self.default_attributes:
                attributes.update(self.default_attributes)
            extra = context_attributes.get()
            if extra:
                attributes.update(extra)
        return LlmloopSpan(
            self, name, trace_id, _getrandbits(64) or 1, parent_id, sampled, attributes
        )


class LlmloopSpan(trace.Span):
    """One span: an OpenTelemetry ``Span`` that records into a dict, exported in batches."""

    def __init__(
        self,
        recorder: Recorder,
        name: str,
        trace_id: int,
        span_id: int,
        parent_id: int,
        sampled: bool,
        attributes: dict[str, Any],
    ) -> None:
        self.recorder = recorder
        self.name = name
        self.trace_id = trace_id
        self.span_id = span_id
        self.parent_id = parent_id
        self.sampled = sampled
        self.recording = sampled
        self.attributes = attributes
        self.events: list[tuple[str, int, dict[str, Any]]] | None = None
        self.status_code = StatusCode.UNSET
        self.status_message: str | None = None
        self.start_ns = recorder.time_ns()
        self.end_ns = 0
        self._span_context: SpanContext | None = None

    # -- OpenTelemetry Span API --------------------------------------------------------------

    def get_span_context(self) -> SpanContext:
        """The span's ids, for OpenTelemetry spans started under it and for propagation."""
        if self._span_context is None:
            self._span_context = SpanContext(
                self.trace_id,
                self.span_id,
                is_remote=False,
                trace_flags=_SAMPLED if self.sampled else _NOT_SAMPLED,
            )
        return self._span_context

    def is_recording(self) -> bool:
        """Whether the span still records (sampled and not ended)."""
        return self.recording

    def set_attribute(self, key: str, value: Any) -> None:
        """Set one attribute; a value OpenTelemetry would refuse is repaired, never raised."""
        if not self.recording:
            return
        recorder = self.recorder
        # The fast path: a short string under a string key, with content capture on.
        if (
            type(value) is str
            and type(key) is str
            and recorder.capture_content
            and len(value) <= recorder.max_value_chars
        ):
            self.attributes[key] = value
            return
        if key in names.CONTENT_KEYS and not recorder.capture_content:
            return
        safe = safe_attribute(key, value, recorder.max_value_chars)
        if safe is not None:
            self.attributes[safe[0]] = safe[1]

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        """Set several attributes."""
        if not self.recording:
            return
        try:
            items = list(attributes.items())
        except Exception:
            names.repairs.count("dropped", "<attributes>")
            return
        for key, value in items:
            self.set_attribute(key, value)

    def add_event(
        self,
        name: str,
        attributes: otel_types.Attributes = None,
        timestamp: int | None = None,
    ) -> None:
        """Add a timestamped event."""
        if not self.recording:
            return
        limit = self.recorder.max_value_chars
        clean: dict[str, Any] = {}
        for key, value in (attributes or {}).items():
            safe = safe_attribute(key, value, limit)
            if safe is not None:
                clean[safe[0]] = safe[1]
        if self.events is None:
            self.events = []
        self.events.append((str(name), timestamp or self.recorder.time_ns(), clean))

    def update_name(self, name: str) -> None:
        """Rename the span."""
        if self.recording:
            self.name = str(name)

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        """Set OK or ERROR (with a description)."""
        if not self.recording:
            return
        if isinstance(status, Status):
            self.status_code, self.status_message = status.status_code, status.description
        else:
            self.status_code, self.status_message = status, description

    def record_exception(
        self,
        exception: BaseException,
        attributes: otel_types.Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        """Record an exception as an ``exception`` event (type and message)."""
        if not self.recording:
            return
        event: dict[str, Any] = {"exception.type": type(exception).__qualname__}
        if self.recorder.capture_content:
            event["exception.message"] = to_text(
                _exception_text(exception), "exception.message", self.recorder.max_value_chars
            )
        if attributes:
            event.update(attributes)
        self.add_event("exception", event, timestamp)

    def end(self, end_time: int | None = None) -> None:
        """End the span and hand it to the exporter's queue (no I/O here)."""
        if self.end_ns:
            return
        self.end_ns = end_time or self.recorder.time_ns()
        if self.recording:
            self.recording = False
            self.recorder.on_end(self)

    # -- llmloop helpers ---------------------------------------------------------------------

    def set_input(self, value: Any) -> None:
        """Record the span's input (text as is, anything else as JSON)."""
        if self.recording and self.recorder.capture_content:
            self.attributes[names.INPUT_VALUE] = to_text(
                value, names.INPUT_VALUE, self.recorder.max_value_chars
            )

    def set_output(self, value: Any) -> None:
        """Record the span's output (text as is, anything else as JSON)."""
        if self.recording and self.recorder.capture_content:
            self.attributes[names.OUTPUT_VALUE] = to_text(
                value, names.OUTPUT_VALUE, self.recorder.max_value_chars
            )

    def set_model(self, model: str, *, provider: str | None = None) -> None:
        """Record the model the span called (and its provider, e.g. ``openai``)."""
        self.set_attribute(names.REQUEST_MODEL, model)
        if provider is not None:
            self.set_attribute(names.PROVIDER, provider)

    def set_usage(
        self,
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        cached_tokens: int | None = None,
        cache_write_tokens: int | None = None,
        reasoning_tokens: int | None = None,
    ) -> None:
        """Record token usage; ``input_tokens`` is the total input, cached tokens a part of it."""
        for key, value in (
            (names.INPUT_TOKENS, input_tokens),
            (names.OUTPUT_TOKENS, output_tokens),
            (names.CACHE_READ_TOKENS, cached_tokens),
            (names.CACHE_WRITE_TOKENS, cache_write_tokens),
            (names.REASONING_TOKENS, reasoning_tokens),
        ):
            if value is not None:
                self.set_attribute(key, value)

    def set_error(self, exception: BaseException) -> None:
        """Mark the span failed with *exception*."""
        if not self.recording:
            return
        self.attributes[names.ERROR_TYPE] = type(exception).__qualname__
        self.record_exception(exception)
        message = _exception_text(exception) if self.recorder.capture_content else None
        self.set_status(StatusCode.ERROR, message[:1000] if message else None)


def _exception_text(exception: BaseException) -> str:
    try:
        return str(exception)
    except Exception:
        return f"<unprintable {type(exception).__name__}>"


class ActiveSpan:
    """``with llmloop.span(...) as s``: starts a span, makes it current, ends it on exit."""

    __slots__ = ("_attributes", "_kind", "_name", "_recorder", "_span", "_token")

    def __init__(
        self,
        recorder: Recorder,
        name: str,
        kind: str,
        attributes: Mapping[str, Any] | None = None,
    ) -> None:
        self._recorder = recorder
        self._name = name
        self._kind = kind
        self._attributes = attributes
        self._span: LlmloopSpan | None = None
        self._token: object = None

    def __enter__(self) -> LlmloopSpan:
        span = self._recorder.start(self._name, self._kind)
        if self._attributes:
            span.set_attributes(self._attributes)
        self._span = span
        self._token = _attach(_set_value(_SPAN_KEY, span))
        return span

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        span = self._span
        if span is None:
            return
        _detach(self._token)  # type: ignore[arg-type]
        if exc is not None:
            span.set_error(exc)
        span.end()

    async def __aenter__(self) -> LlmloopSpan:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)


def current_llmloop_span() -> LlmloopSpan | None:
    """The current span if it is an llmloop span, else ``None``."""
    span = _get_value(_SPAN_KEY)
    return span if type(span) is LlmloopSpan else None


def use_span(span: trace.Span) -> object:
    """Make *span* current; return the token for :func:`release`."""
    return _attach(_set_value(_SPAN_KEY, span))


def release(token: object) -> None:
    """Undo :func:`use_span`."""
    _detach(token)  # type: ignore[arg-type]


def otel_span_kind(kind: str) -> SpanKind:
    """The OTLP span kind for an llmloop kind: model and tool calls are CLIENT calls."""
    return SpanKind.CLIENT if kind in ("llm", "embedding", "rerank") else SpanKind.INTERNAL
