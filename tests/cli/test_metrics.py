"""`llmloop metrics`: a table per bucket, --json, groups, and refusals with exit code 2."""

from __future__ import annotations

import json

from llmloop.client.local import LocalClient
from tests.cli.conftest import RunCli
from tests.client.metrics_traces import app_trace, send_traces

HOUR_MS = 3_600_000
RANGE = ("--start", "2025-12-31T21:00:00Z", "--end", "2026-01-01T00:00:00Z")


def _traces(local_admin: LocalClient) -> None:
    send_traces(
        local_admin,
        app_trace(1, at_ms=-3 * HOUR_MS, duration_ms=100, version="v1"),
        app_trace(2, at_ms=-3 * HOUR_MS + 1, duration_ms=300, version="v2", error=True),
        app_trace(3, at_ms=-HOUR_MS, duration_ms=50, version="v1", calls=[("mystery", None)]),
        app_trace(4, at_ms=-HOUR_MS + 1, duration_ms=900, version="v1", tags=["eval"]),
    )


def test_metrics_json_and_table(run_cli: RunCli, local_admin: LocalClient) -> None:
    _traces(local_admin)
    result = run_cli("metrics", *RANGE, "--bucket", "1h", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["unit"] == "trace"
    assert [
        (p["bucket_start"], p["request_count"], p["error_count"], p["p50_latency_ms"])
        for p in body["points"]
    ] == [("2025-12-31T21:00:00Z", 2, 1, 200.0), ("2025-12-31T23:00:00Z", 1, 0, 50.0)]
    assert body["points"][1]["cost_usd"] is None

    table = run_cli("metrics", *RANGE, "--bucket", "1h").stdout
    assert "requests (traces)" in table
    assert "2025-12-31 21:00" in table
    assert "50.0%" in table  # error rate
    assert "? +1?" in table  # unknown cost is shown as unknown, with the count

    with_eval = json.loads(run_cli("metrics", *RANGE, "--include-eval", "--json").stdout)
    assert with_eval["points"][1]["request_count"] == 2


def test_metrics_groups_and_since(run_cli: RunCli, local_admin: LocalClient) -> None:
    _traces(local_admin)
    grouped = json.loads(
        run_cli(
            "metrics", "--since", "3h", "--end", "2026-01-01T00:00:00Z",
            "--bucket", "1d", "--group-by", "version", "--app", "support-bot", "--json",
        ).stdout
    )  # fmt: skip
    assert grouped["start"] == "2025-12-31T21:00:00Z"
    assert [(p["group"], p["request_count"]) for p in grouped["points"]] == [
        ({"version": "v1"}, 2),
        ({"version": "v2"}, 1),
    ]
    only_v2 = json.loads(run_cli("metrics", *RANGE, "--version", "v2", "--json").stdout)
    assert [p["request_count"] for p in only_v2["points"]] == [1]
    by_model = run_cli("metrics", *RANGE, "--group-by", "model")
    assert by_model.exit_code == 0, by_model.output
    assert "LLM calls" in by_model.stdout
    assert "gpt-4o" in by_model.stdout
    assert "mystery" in by_model.stdout


def test_metrics_refusals_exit_2_and_name_the_field(run_cli: RunCli) -> None:
    inverted = run_cli("metrics", "--start", "2026-01-02", "--end", "2026-01-01")
    assert inverted.exit_code == 2
    assert "must be before end" in inverted.output
    too_many = run_cli("metrics", "--since", "30d", "--bucket", "1m")
    assert too_many.exit_code == 2
    assert "bucket: 1m buckets over this range make" in too_many.output
    unknown = run_cli("metrics", "--group-by", "user")
    assert unknown.exit_code == 2
    assert "group_by" in unknown.output
    both = run_cli("metrics", "--since", "1h", "--start", "2026-01-01")
    assert both.exit_code == 2
    assert "--since and --start" in both.output
    bad_time = run_cli("metrics", "--start", "yesterday")
    assert bad_time.exit_code == 2
    assert "--start: 'yesterday' is not an ISO 8601 time" in bad_time.output
    empty = run_cli("metrics", *RANGE)
    assert empty.exit_code == 0
    assert "no requests (traces) between" in empty.stdout
