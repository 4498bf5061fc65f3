"""The SDK overhead benchmark runs at smoke size, so it cannot rot (no time is asserted)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks import sdk_overhead
from llmloop.sdk import runtime


@pytest.fixture(autouse=True)
def _reset_tracing() -> Iterator[None]:
    yield
    runtime.reset_for_tests()


def test_sdk_overhead_benchmark_runs_at_smoke_size(capsys: pytest.CaptureFixture[str]) -> None:
    result = sdk_overhead.main(["--smoke"])
    spans = result["spans"]
    assert spans["spans_each"] == 100
    for tracer in ("otel_sdk", "llmloop"):
        assert spans[tracer]["p50_us"] > 0
        assert spans[tracer]["p99_us"] >= spans[tracer]["p50_us"]
    assert spans["ratio_p50"] > 0
    assert result["import"]["runs"] == 1
    assert '"ratio_p50"' in capsys.readouterr().out
