"""The trace query benchmark runs at smoke size, so it cannot rot (no time is asserted)."""

from __future__ import annotations

import os
import random

import pytest

from benchmarks import trace_queries


def test_trace_query_benchmark_runs_at_smoke_size(capsys: pytest.CaptureFixture[str]) -> None:
    result = trace_queries.main(["--smoke", "--dialects", "sqlite"])
    assert result["sizes"] == [400, 800]
    runs = result["sqlite"]["runs"]
    assert [run["spans"] for run in runs] == [400, 800]
    for run in runs:
        queries = run["queries"]
        assert set(queries) >= {"list_app_version_env_7d", "list_text_7d", "trace_tree"}
        assert all(figures["p95_ms"] > 0 for figures in queries.values())
    assert set(result["sqlite"]["growth"]) == set(runs[-1]["queries"])
    assert '"list_app_version_env_7d"' in capsys.readouterr().out


@pytest.mark.skipif(
    not os.environ.get("LLMLOOP_TEST_POSTGRES_URL"), reason="needs LLMLOOP_TEST_POSTGRES_URL"
)
def test_trace_query_benchmark_runs_on_postgresql() -> None:
    result = trace_queries.main(["--smoke", "--dialects", "postgresql"])
    assert [run["spans"] for run in result["postgresql"]["runs"]] == [400, 800]


def test_the_generated_trace_has_the_promised_shape() -> None:
    rows, summary = trace_queries.make_trace(3, random.Random(1), project_id=1)
    assert len(rows) == trace_queries.SPANS_PER_TRACE
    assert [row["kind"] for row in rows] == ["chain", "retrieval", "llm", "tool"]
    assert {row["parent_span_id"] for row in rows[1:]} == {rows[0]["span_id"]}
    assert summary["trace_id"] == rows[0]["trace_id"] == f"{4:032x}"
    assert summary["cost_usd"] == rows[2]["cost_usd"] > 0
    assert summary["session_id"] == "s-0"
