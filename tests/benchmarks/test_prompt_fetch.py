"""The prompt fetch benchmark runs at smoke size, so it cannot rot (no time is asserted)."""

from __future__ import annotations

import pytest

from benchmarks import prompt_fetch


def test_prompt_fetch_benchmark_runs_at_smoke_size(capsys: pytest.CaptureFixture[str]) -> None:
    result = prompt_fetch.main(["--smoke"])
    assert result["calls_each"] == 20
    for way in ("http_fetch", "embedded_fetch", "cached", "render"):
        assert result[f"{way}_p50_us"] > 0
    assert result["ratio_cached_to_http_fetch"] > 0
    assert '"ratio_cached_to_http_fetch"' in capsys.readouterr().out
