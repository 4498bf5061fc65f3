"""`llmloop metrics`: request counts, errors, latency, tokens, cost and scores per time bucket."""

from __future__ import annotations

from typing import Annotated

import typer

from llmloop.cli.output import JsonOption, console, print_json, print_table
from llmloop.cli.state import cli_state
from llmloop.cli.time_options import parse_window
from llmloop.domain.clock import SystemClock
from llmloop.domain.metrics import MetricsPoint, MetricsResult, MetricsUnit

__all__ = ["metrics", "print_metrics"]


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _cost(point: MetricsPoint) -> str:
    known = "?" if point.cost_usd is None else f"{point.cost_usd:.4f}"
    return f"{known} +{point.unpriced_count}?" if point.unpriced_count else known


def _latencies(point: MetricsPoint) -> tuple[float, float, float]:
    return point.p50_latency_ms, point.p95_latency_ms, point.p99_latency_ms


def _scores(point: MetricsPoint) -> str:
    return ", ".join(
        f"{name}={score.mean:.3g}/{score.count}" for name, score in point.scores.items()
    )


def print_metrics(result: MetricsResult) -> None:
    """Print a metrics result as a table (one row per bucket and group)."""
    unit = "LLM calls" if result.unit is MetricsUnit.LLM_SPAN else "requests (traces)"
    groups = [str(name) for name in result.group_by]
    bucket_format = "%Y-%m-%d" if result.bucket_seconds % 86_400 == 0 else "%m-%d %H:%M"
    scored = any(point.scores for point in result.points)
    rows = [
        (
            point.bucket_start.strftime(bucket_format),
            *(point.group.get(name) or "-" for name in groups),
            point.request_count,
            f"{point.error_rate:.1%}",
            *(_ms(value) for value in _latencies(point)),
            f"{point.total_tokens:,}",
            _cost(point),
            *([_scores(point)] if scored else []),
        )
        for point in result.points
    ]
    title = (
        f"Metrics per {result.bucket}: {unit}, latency in ms, "
        f"{result.start:%Y-%m-%d %H:%M} to {result.end:%Y-%m-%d %H:%M} UTC"
        + ("" if not result.include_eval else ", evaluation traces included")
    )
    columns = [
        "bucket (UTC)",
        *groups,
        "calls" if result.unit is MetricsUnit.LLM_SPAN else "requests",
        "errors",
        "p50",
        "p95",
        "p99",
        "tokens",
        "cost usd",
        *(["scores (mean/n)"] if scored else []),
    ]
    if not rows:
        console.print(f"[dim]no {unit} between {result.start} and {result.end}[/dim]")
        return
    print_table(title, columns, rows)
    if any(point.unpriced_count for point in result.points):
        console.print(
            "[dim]cost '+N?': N requests had usage but no known price; the sum leaves them "
            "out[/dim]"
        )


def metrics(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Look back this long from --end or now: 30m, 24h, 7d."),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Inclusive start, ISO 8601 (UTC if no zone).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Exclusive end, ISO 8601 (default: now).")
    ] = None,
    bucket: Annotated[str, typer.Option("--bucket", help="Bucket width: 5m, 1h, 1d, ...")] = "1h",
    group_by: Annotated[
        list[str] | None,
        typer.Option(
            "--group-by",
            help="app, version, environment, variant or model (repeat or comma-join); "
            "model counts LLM calls instead of traces.",
        ),
    ] = None,
    app_name: Annotated[str | None, typer.Option("--app", help="Only this app.")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Only this version.")] = None,
    environment: Annotated[
        str | None, typer.Option("--environment", help="Only this environment.")
    ] = None,
    variant: Annotated[str | None, typer.Option("--variant", help="Only this variant.")] = None,
    include_eval: Annotated[
        bool, typer.Option("--include-eval", help="Count evaluation traces (tagged eval) too.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Requests, errors, latency percentiles, tokens, cost and mean scores per time bucket.

    Without --since or --start, the last 24 hours.
    """
    first, last = parse_window(since=since, start=start, end=end, clock=SystemClock())
    result = (
        cli_state(ctx)
        .client()
        .metrics.query(
            start=first,
            end=last,
            bucket=bucket,
            group_by=group_by or (),
            app=app_name,
            version=version,
            environment=environment,
            variant=variant,
            include_eval=include_eval,
        )
    )
    if as_json:
        print_json(result)
        return
    print_metrics(result)
