"""The metrics part of the trace query benchmark runs at a tiny size (no time is asserted)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from benchmarks import trace_queries


def test_metrics_timings_run_on_a_small_store(tmp_path: Path) -> None:
    client = trace_queries.load(f"sqlite:///{tmp_path / 'bench.db'}", 2_000)
    try:
        figures = trace_queries.time_metrics_queries(client, repeats=2)
        assert set(figures) == {
            "metrics_24h",
            "metrics_24h_by_version",
            "metrics_24h_by_model",
            "samples_24h",
        }
        assert all(f["p95_ms"] > 0 and f["ratio_to_baseline"] > 0 for f in figures.values())
        # the generated month has requests the metrics see, eval traces left out
        month = {"start": trace_queries.END - timedelta(days=30), "end": trace_queries.END}
        every = client.metrics.query(bucket="1d", include_eval=True, **month).points
        production = client.metrics.query(bucket="1d", **month).points
        total = sum(p.request_count for p in every)
        assert total == 2_000 // trace_queries.SPANS_PER_TRACE
        assert 0 < sum(p.request_count for p in production) < total
    finally:
        client.close()
