"""Following new traces as they arrive: the polling loop behind ``llmloop traces tail``.

Each poll lists the traces that started inside a sliding window (the last ``lookback_s``
seconds, never before the tail began minus ``lookback_s``) and reports those not reported
yet, oldest first. A trace is reported once, when first seen, even if more of its spans arrive
later; a trace whose spans arrive more than ``lookback_s`` after it started is not reported.
Time and sleeping are injected, so tests drive the loop in simulated time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from llmloop.client.protocols import TracesClient
from llmloop.domain.clock import Clock
from llmloop.domain.trace_queries import (
    MAX_PAGE_SIZE,
    SortOrder,
    TraceQuery,
    TraceSort,
    TraceSummary,
)

__all__ = ["TailOptions", "tail_traces"]


@dataclass(frozen=True)
class TailOptions:
    """How to follow: the filters, how often to poll, and when to stop (None: never)."""

    query: TraceQuery
    interval_s: float = 2.0
    lookback_s: float = 300.0
    max_traces: int | None = None
    timeout_s: float | None = None


def _poll(traces: TracesClient, query: TraceQuery) -> list[TraceSummary]:
    found: list[TraceSummary] = []
    page = traces.list(query)
    found += page.items
    while page.next_cursor is not None:
        page = traces.list(query.model_copy(update={"cursor": page.next_cursor}))
        found += page.items
    return found


def tail_traces(
    traces: TracesClient,
    options: TailOptions,
    *,
    clock: Clock,
    sleep: Callable[[float], None],
    emit: Callable[[TraceSummary], None],
) -> int:
    """Report each new trace once through *emit* until a stop condition; return the count."""
    began = clock.monotonic()
    lookback = timedelta(seconds=options.lookback_s)
    floor = clock.now() - lookback
    seen: dict[str, TraceSummary] = {}
    reported = 0
    while True:
        lower = max(floor, clock.now() - lookback, options.query.start or floor)
        window = options.query.model_copy(
            update={
                "start": lower,
                "sort": TraceSort.START_TIME,
                "order": SortOrder.ASC,
                "limit": MAX_PAGE_SIZE,
                "cursor": None,
            }
        )
        for trace in _poll(traces, window.check()):
            if trace.trace_id in seen:
                continue
            seen[trace.trace_id] = trace
            emit(trace)
            reported += 1
            if options.max_traces is not None and reported >= options.max_traces:
                return reported
        # Forget what slid out of the window: it cannot be listed again.
        seen = {key: trace for key, trace in seen.items() if trace.start_time >= lower}
        if options.timeout_s is not None and clock.monotonic() - began >= options.timeout_s:
            return reported
        sleep(options.interval_s)
