"""The background exporter: a bounded queue on the caller's side, batches and retries behind it.

The application's thread only appends a finished span to a ``deque`` (or counts a drop when
the queue is full). One daemon thread takes batches off the queue, encodes them to OTLP,
hands them to the sink and retries with exponential backoff (honouring ``Retry-After``) on
429/503 and network errors. ``flush()`` puts a marker in the queue and waits until the
thread has dealt with everything before it, so a flush covers exactly the spans ended
before it was called.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from llmloop.sdk.attributes import log_once, repairs
from llmloop.sdk.sinks import (
    PayloadTooLargeError,
    RejectedExportError,
    RetryableExportError,
    SpanSink,
)
from llmloop.sdk.spans import LlmloopSpan

if TYPE_CHECKING:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

__all__ = ["BatchExporter", "FlushResult", "RetryPolicy"]

logger = logging.getLogger("llmloop.sdk")


class FlushResult(NamedTuple):
    """What happened to spans since the previous flush.

    ``sent``: accepted by the receiver; ``dropped``: never queued because the queue was full
    (or tracing was shut down); ``failed``: given up on after errors or rejected by the
    receiver; ``pending``: still queued when the flush timed out; ``repaired``: attribute
    values that were stringified, truncated or dropped to be recordable.
    """

    sent: int = 0
    dropped: int = 0
    failed: int = 0
    pending: int = 0
    repaired: Mapping[str, int] = MappingProxyType({})

    @property
    def complete(self) -> bool:
        """Whether every span ended before the flush was dealt with (nothing pending)."""
        return self.pending == 0


# NamedTuples, not dataclasses: `dataclasses` imports `inspect`, ~10 ms of import time.
class RetryPolicy(NamedTuple):
    """Backoff for retryable export errors: ``initial_s * 2**n`` (jittered), capped."""

    initial_backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    #: How long one batch is retried before its spans count as failed.
    give_up_after_s: float = 60.0

    def delay_s(self, attempt: int, retry_after_s: float | None) -> float:
        """Seconds to wait before retry number *attempt* (0-based)."""
        if retry_after_s is not None:
            return retry_after_s
        backoff = min(self.max_backoff_s, self.initial_backoff_s * (2**attempt))
        return float(backoff * random.uniform(0.5, 1.0))  # jitter spreads retries of many apps


class _FlushMarker:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


_exporters: weakref.WeakSet[BatchExporter] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # A forked child (gunicorn --preload, multiprocessing) has no exporter thread: start anew.
    for exporter in list(_exporters):
        exporter._reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class BatchExporter:
    """Bounded queue + one background thread that exports batches through a sink."""

    def __init__(
        self,
        sink_factory: Callable[[], SpanSink],
        encode: Callable[[list[LlmloopSpan]], ExportTraceServiceRequest],
        *,
        max_queue_spans: int = 2048,
        max_batch_spans: int = 256,
        export_interval_s: float = 1.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._sink_factory = sink_factory
        self._encode = encode
        self._max_queue = max_queue_spans
        self._max_batch = max_batch_spans
        self._interval_s = export_interval_s
        self._retry = retry or RetryPolicy()
        self._queue: deque[LlmloopSpan | _FlushMarker] = deque()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._give_up = threading.Event()
        self._count_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self._sink: SpanSink | None = None
        self._dropped = 0
        self._sent = 0
        self._failed = 0
        self._in_flight = 0
        self._reported = (0, 0, 0, repairs.snapshot())
        self._closed = False
        _exporters.add(self)

    # -- the caller's side: no I/O, no waiting -----------------------------------------------

    def offer(self, span: LlmloopSpan) -> None:
        """Queue a finished span, or count it dropped when the queue is full."""
        queue = self._queue
        if len(queue) >= self._max_queue or self._closed:
            self._drop(1)
            return
        queue.append(span)
        if self._thread is None:
            self._start()
        if len(queue) >= self._max_batch:
            self._wake.set()

    def _drop(self, count: int) -> None:
        with self._count_lock:
            self._dropped += count
        log_once(
            "queue-full",
            "llmloop: spans are being dropped (the export queue is full or tracing is shut "
            "down); llmloop.flush() reports how many",
        )

    def _start(self) -> None:
        with self._thread_lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="llmloop-exporter", daemon=True)
            self._thread.start()

    # -- flush and shutdown ------------------------------------------------------------------

    def flush(self, timeout_s: float) -> FlushResult:
        """Wait up to *timeout_s* until every span ended so far is exported or given up on."""
        with self._flush_lock:
            if self._queue or self._in_flight:
                marker = _FlushMarker()
                self._queue.append(marker)
                if self._thread is None:
                    self._start()
                self._wake.set()
                marker.done.wait(max(0.0, timeout_s))
            return self._report()

    def _report(self) -> FlushResult:
        now = repairs.snapshot()
        with self._count_lock:
            sent, dropped, failed = self._sent, self._dropped, self._failed
        last_sent, last_dropped, last_failed, last_repairs = self._reported
        self._reported = (sent, dropped, failed, now)
        pending = sum(1 for item in list(self._queue) if type(item) is LlmloopSpan)
        return FlushResult(
            sent=sent - last_sent,
            dropped=dropped - last_dropped,
            failed=failed - last_failed,
            pending=pending + self._in_flight,
            repaired={kind: now[kind] - last_repairs.get(kind, 0) for kind in now},
        )

    def shutdown(self, timeout_s: float) -> FlushResult:
        """Export what is queued (giving up on retries at the deadline) and stop the thread."""
        deadline = time.monotonic() + max(0.0, timeout_s)
        self._closed = True
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                self._give_up.set()  # stop waiting between retries; the batch counts as failed
                thread.join(1.0)
        with self._flush_lock:
            result = self._report()
        if self._sink is not None and (thread is None or not thread.is_alive()):
            try:
                self._sink.close()
            except Exception:
                logger.debug("llmloop: closing the span sink failed", exc_info=True)
            self._sink = None
        return result

    def _reset_after_fork(self) -> None:
        self._thread = None
        self._thread_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._queue.clear()
        self._sink = None  # the parent's connections must not be shared

    # -- the exporter's thread ---------------------------------------------------------------

    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval_s)
            self._wake.clear()
            try:
                self._drain()
            except Exception:  # never let the thread die: the next wake tries again
                logger.exception("llmloop: the span exporter hit an unexpected error")
            if self._stopping.is_set() and not self._queue:
                return

    def _drain(self) -> None:
        queue = self._queue
        while queue:
            batch: list[LlmloopSpan] = []
            marker: _FlushMarker | None = None
            while queue and len(batch) < self._max_batch:
                item = queue.popleft()
                if type(item) is _FlushMarker:
                    marker = item
                    break
                batch.append(item)  # type: ignore[arg-type]
            if batch:
                self._in_flight = len(batch)
                try:
                    self._export(batch)
                finally:
                    self._in_flight = 0
            if marker is not None:
                marker.done.set()

    def _fail(self, count: int) -> None:
        with self._count_lock:
            self._failed += count

    def _export(self, batch: list[LlmloopSpan]) -> None:
        count = len(batch)
        try:
            request = self._encode(batch)
        except Exception as exc:
            self._fail(count)
            log_once("encode", "llmloop: spans could not be encoded (%s); counted failed", exc)
            return
        encoded = sum(len(scope.spans) for r in request.resource_spans for scope in r.scope_spans)
        if encoded < count:
            self._fail(count - encoded)
            count = encoded
            if not count:
                return
        attempt = 0
        started = time.monotonic()
        while True:
            try:
                if self._sink is None:
                    self._sink = self._sink_factory()
                outcome = self._sink.export(request, count)
            except PayloadTooLargeError as exc:
                if len(batch) < 2:
                    self._fail(count)
                    log_once("too-large", "llmloop: a span was too large to send: %s", exc.reason)
                    return
                half = len(batch) // 2  # the receiver's size limit: send it in halves
                self._export(batch[:half])
                self._export(batch[half:])
                return
            except RejectedExportError as exc:
                self._fail(count)
                log_once(f"rejected:{exc.reason}", "llmloop: spans were not stored: %s", exc.reason)
                return
            except RetryableExportError as exc:
                delay = self._retry.delay_s(attempt, exc.retry_after_s)
                if (
                    self._give_up.is_set()
                    or time.monotonic() + delay - started > self._retry.give_up_after_s
                ):
                    self._fail(count)
                    log_once(
                        "gave-up",
                        "llmloop: gave up exporting spans after retries (%s); counted failed",
                        exc.reason,
                    )
                    return
                log_once("retrying", "llmloop: exporting spans failed (%s); retrying", exc.reason)
                attempt += 1
                if self._give_up.wait(delay):
                    continue  # shutdown's deadline passed: the check above gives up
                continue
            except Exception as exc:
                self._fail(count)
                log_once(
                    f"sink:{type(exc).__name__}",
                    "llmloop: the span sink failed (%s: %s); counted failed",
                    type(exc).__name__,
                    exc,
                )
                return
            with self._count_lock:
                self._sent += outcome.accepted
                self._failed += outcome.rejected
            if outcome.rejected:
                log_once("partial", "llmloop: the receiver rejected some spans; counted failed")
            return
