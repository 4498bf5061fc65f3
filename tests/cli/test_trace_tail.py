"""The tail loop in simulated time: new traces reported once, oldest first, stop conditions."""

from __future__ import annotations

from llmloop.cli.trace_tail import TailOptions, tail_traces
from llmloop.client.local import LocalClient
from llmloop.domain.clock import ManualClock
from llmloop.domain.trace_queries import TraceQuery, TraceSummary
from tests.monitor.otlp_builders import make_request, make_span, trace_id


def test_new_traces_are_reported_once_in_start_order(
    local_admin: LocalClient, clock: ManualClock
) -> None:
    local_admin.traces.ingest(make_request([make_span(1, 1, start_ms=0)]))
    arrivals = iter(
        [
            # A second span of trace 1 must not report it again.
            [make_span(1, 2, parent=1, start_ms=5), make_span(3, 3, start_ms=20)],
            [make_span(2, 4, start_ms=10)],  # arrives late but started earlier: still reported
            [make_span(5, 5, start_ms=40, attributes={"llmloop.app": "other"})],
        ]
    )
    printed: list[TraceSummary] = []

    def sleep(seconds: float) -> None:
        clock.advance(seconds)
        local_admin.traces.ingest(make_request(next(arrivals)))

    options = TailOptions(query=TraceQuery(), interval_s=1.0, lookback_s=60.0, max_traces=4)
    count = tail_traces(local_admin.traces, options, clock=clock, sleep=sleep, emit=printed.append)
    assert count == 4
    assert [trace.trace_id for trace in printed] == [trace_id(n).hex() for n in (1, 3, 2, 5)]


def test_filters_and_timeout(local_admin: LocalClient, clock: ManualClock) -> None:
    local_admin.traces.ingest(
        make_request([make_span(1, 1, error=True), make_span(2, 2, start_ms=1)])
    )
    printed: list[TraceSummary] = []
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)

    options = TailOptions(
        query=TraceQuery(status="error"), interval_s=5.0, lookback_s=60.0, timeout_s=12.0
    )
    count = tail_traces(local_admin.traces, options, clock=clock, sleep=sleep, emit=printed.append)
    assert count == 1
    assert printed[0].trace_id == trace_id(1).hex()
    assert sleeps == [5.0, 5.0, 5.0]


def test_traces_older_than_the_lookback_are_not_reported(
    local_admin: LocalClient, clock: ManualClock
) -> None:
    local_admin.traces.ingest(make_request([make_span(1, 1, start_ms=0)]))
    clock.advance(120)
    printed: list[TraceSummary] = []
    options = TailOptions(query=TraceQuery(), lookback_s=60.0, timeout_s=0)
    tail_traces(local_admin.traces, options, clock=clock, sleep=clock.advance, emit=printed.append)
    assert printed == []
