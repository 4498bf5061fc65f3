"""Trace query latency: filtered trace lists, text search and trace trees over a large store.

Data: a deterministic generator bulk-loads N spans (4 per trace: a chain root with input and
output, a retrieval, an LLM call with tokens and cost, a tool call) over 30 days, straight
through ``TraceWriter`` (no OTLP decoding), for 5 apps x 4 versions x 3 environments, two
variants, 5,000 users, sessions of ~4 traces, 4 models; 5% of traces are tagged ``eval`` and
10% carry a ``faithfulness`` score (direct inserts into ``scores``). Then ``ANALYZE``.

Timed, each query repeated with varying parameters through ``LocalClient`` (a session, the
project lookup and the SQL), p50/p95 in ms:

- ``list_app_version_env_7d``: first page (50) of app + version + environment over 7 days;
- ``list_text_7d``: first page of a case-insensitive text search over 7 days;
- ``list_by_duration_24h``: first page of the slowest traces of one day;
- ``list_score_bound_7d``: first page of traces with faithfulness < 0.3 over 7 days;
- ``list_next_page``: the page after a cursor (app filter, newest first);
- ``trace_tree``: one trace with its span tree and scores;
- ``sessions_24h``: first page of the sessions active in one day;
- ``metrics_24h``, ``metrics_24h_by_version``, ``metrics_24h_by_model``, ``samples_24h``:
  24-hour metrics queries and canary samples (``time_metrics_queries``);
- ``baseline_project_lookup``: ``client.projects.current()``, one indexed row through the same
  client stack; every query's ``ratio_to_baseline`` is its p95 over this p95.

With several ``--sizes`` the report adds ``growth`` (p95 at the largest size over p95 at the
smallest) per query: well below the size ratio means the queries do not scan the table.

    .venv/bin/python benchmarks/trace_queries.py --sizes 100000,1000000 --postgres-url URL
    .venv/bin/python benchmarks/trace_queries.py --smoke
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ingest_throughput import fresh_database

SPANS_PER_TRACE = 4
DAYS = 30
END = datetime(2026, 11, 1, tzinfo=UTC)
APPS = [f"app-{n}" for n in range(5)]
VERSIONS = [f"v{n}" for n in range(1, 5)]
ENVIRONMENTS = ["production", "staging", "dev"]
MODELS = ["gpt-4o", "gpt-4.1-mini", "claude-sonnet-4", "llama-3-8b"]
TOPICS = ["password reset", "refund request", "billing address", "shipping delay", "login error"]
CHUNK_TRACES = 2_000


def _span(base: dict[str, Any], span_id: str, parent: str | None, **fields: Any) -> dict[str, Any]:
    row = dict(base)
    row.update(
        span_id=span_id,
        parent_span_id=parent,
        otel_kind=1,
        scope="bench",
        status_message=None,
        provider=None,
        model=None,
        input_tokens=None,
        output_tokens=None,
        total_tokens=None,
        cache_read_tokens=None,
        cache_write_tokens=None,
        reasoning_tokens=None,
        cost_usd=None,
        cost_source=None,
        input=None,
        output=None,
        input_truncated=False,
        output_truncated=False,
        truncation={},
        attributes={},
        resource_attributes={"service.name": base["app"]},
        events=[],
        links=[],
        conventions_version="bench",
    )
    row.update(fields)
    return row


def make_trace(
    number: int, rng: random.Random, project_id: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The span rows and the summary row of trace *number*."""
    trace_id = f"{number + 1:032x}"
    start = END - timedelta(seconds=rng.uniform(0, DAYS * 86_400))
    duration_ms = rng.lognormvariate(6.5, 0.8)
    end = start + timedelta(milliseconds=duration_ms)
    error = rng.random() < 0.03
    topic = rng.choice(TOPICS)
    tags = ["eval"] if rng.random() < 0.05 else []
    model = rng.choice(MODELS)
    tokens_in, tokens_out = rng.randint(200, 4_000), rng.randint(20, 800)
    cost = (tokens_in * 2.5 + tokens_out * 10) / 1e6
    base: dict[str, Any] = {
        "project_id": project_id,
        "trace_id": trace_id,
        "app": rng.choice(APPS),
        "app_version": rng.choice(VERSIONS),
        "environment": rng.choices(ENVIRONMENTS, weights=(8, 1, 1))[0],
        "variant": "canary" if rng.random() < 0.1 else "baseline",
        "rollout_step": None,
        "session_id": f"s-{number // 4}",
        "user_id": f"u-{rng.randrange(5_000)}",
        "tags": tags,
        "start_time": start,
        "end_time": end,
        "received_at": end,
    }
    question = f"Customer {number} asks about a {topic}: what should I do next?"
    answer = f"For a {topic}, follow the steps in the help centre (case {number})."
    ns = int((start - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1e9)
    step = int(duration_ms * 1e6) // 4
    rows = [
        _span(
            base,
            f"{number * 4 + 1:016x}",
            None,
            name="answer",
            kind="chain",
            status="error" if error else "ok",
            input=question,
            output=answer,
            duration_ms=duration_ms,
            start_ns=ns,
            end_ns=ns + step * 4,
        ),
        _span(
            base,
            f"{number * 4 + 2:016x}",
            f"{number * 4 + 1:016x}",
            name="search",
            kind="retrieval",
            status="ok",
            input=topic,
            duration_ms=step / 1e6,
            start_ns=ns,
            end_ns=ns + step,
        ),
        _span(
            base,
            f"{number * 4 + 3:016x}",
            f"{number * 4 + 1:016x}",
            name=f"chat {model}",
            kind="llm",
            status="ok",
            model=model,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            total_tokens=tokens_in + tokens_out,
            cost_usd=cost,
            cost_source="price",
            duration_ms=step * 2 / 1e6,
            start_ns=ns + step,
            end_ns=ns + step * 3,
        ),
        _span(
            base,
            f"{number * 4 + 4:016x}",
            f"{number * 4 + 1:016x}",
            name="lookup_order",
            kind="tool",
            status="ok",
            duration_ms=step / 1e6,
            start_ns=ns + step * 3,
            end_ns=ns + step * 4,
        ),
    ]
    for row in rows:
        # Span times follow their nanoseconds; the writer stores both.
        row["start_time"] = start + timedelta(microseconds=(row["start_ns"] - ns) // 1000)
        row["end_time"] = start + timedelta(microseconds=(row["end_ns"] - ns) // 1000)
        row.pop("start_ns")
        row.pop("end_ns")
    summary = {
        **{
            key: base[key]
            for key in (
                "project_id",
                "trace_id",
                "app",
                "app_version",
                "environment",
                "variant",
                "rollout_step",
                "session_id",
                "user_id",
                "tags",
                "start_time",
                "end_time",
            )
        },
        "name": "answer",
        "kind": "chain",
        "has_root": True,
        "start_ns": ns,
        "end_ns": ns + step * 4,
        "duration_ms": step * 4 / 1e6,
        "status": "error" if error else "ok",
        "span_count": SPANS_PER_TRACE,
        "error_count": 1 if error else 0,
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "total_tokens": tokens_in + tokens_out,
        "cost_usd": cost,
        "unpriced_span_count": 0,
        "input_preview": question,
        "output_preview": answer,
        "updated_at": end,
    }
    return rows, summary


def _score_row(number: int, rng: random.Random, project_id: int) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "score_id": uuid.UUID(int=rng.getrandbits(128)).hex,
        "trace_id": f"{number + 1:032x}",
        "span_id": None,
        "name": "faithfulness",
        "data_type": "numeric",
        "value": round(rng.random(), 3),
        "string_value": None,
        "source": "evaluator",
        "comment": None,
        "author": "bench",
        "idempotency_key": None,
        "metadata_": {},
        "created_at": END,
    }


def load(url: str, spans: int, seed: int = 7) -> Any:
    """A migrated store at *url* holding *spans* spans; return a ``LocalClient`` on it."""
    from sqlalchemy import insert, text

    from llmloop.client.local import LocalClient
    from llmloop.domain.clock import ManualClock
    from llmloop.domain.projects import Principal
    from llmloop.store.database import Database
    from llmloop.store.scores import ScoreRow
    from llmloop.store.traces import TraceWriter

    database = Database(url)
    database.ensure_ready()
    client = LocalClient(
        database, Principal(actor="bench", project="default", admin=True), clock=ManualClock(END)
    )
    client.ensure_project()
    rng = random.Random(seed)
    traces = spans // SPANS_PER_TRACE
    with database.session() as session:
        project_id = client.context.project_id(session)
    for first in range(0, traces, CHUNK_TRACES):
        span_rows: list[dict[str, Any]] = []
        summaries: list[dict[str, Any]] = []
        scores: list[dict[str, Any]] = []
        for number in range(first, min(traces, first + CHUNK_TRACES)):
            rows, summary = make_trace(number, rng, project_id)
            span_rows += rows
            summaries.append(summary)
            if rng.random() < 0.10:
                scores.append(_score_row(number, rng, project_id))
        with database.session() as session:
            writer = TraceWriter(session)
            writer.insert_spans(span_rows)
            writer.merge_summaries(summaries)
            if scores:
                session.execute(insert(ScoreRow), scores)
    with database.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    return client


def _timed(run: Callable[[int], Any], repeats: int) -> dict[str, float]:
    run(0)  # warm caches and the statement cache
    samples = []
    for attempt in range(repeats):
        begin = time.perf_counter()
        run(attempt + 1)
        samples.append((time.perf_counter() - begin) * 1_000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {"p50_ms": round(statistics.median(samples), 3), "p95_ms": round(p95, 3)}


def time_trace_queries(client: Any, traces: int, repeats: int) -> dict[str, dict[str, float]]:
    """p50/p95 of the trace list and tree queries (see the module docstring)."""
    from llmloop.domain.trace_queries import SessionQuery, TraceQuery, TraceSort

    def window(attempt: int, days: int) -> dict[str, datetime]:
        end = END - timedelta(days=attempt % (DAYS - days))
        return {"start": end - timedelta(days=days), "end": end}

    def pick(attempt: int, values: list[str]) -> str:
        return values[attempt % len(values)]

    def app_version_env(attempt: int) -> Any:
        query = TraceQuery(
            app=pick(attempt, APPS),
            app_version=pick(attempt // 5, VERSIONS),
            environment="production",
            **window(attempt, 7),
        )
        return client.traces.list(query)

    def text_search(attempt: int) -> Any:
        topic = pick(attempt, TOPICS).split()[0].upper()
        return client.traces.list(TraceQuery(text=topic, **window(attempt, 7)))

    def slowest(attempt: int) -> Any:
        return client.traces.list(TraceQuery(sort=TraceSort.DURATION_MS, **window(attempt, 1)))

    def score_bound(attempt: int) -> Any:
        query = TraceQuery(score_name="faithfulness", score_max=0.3, **window(attempt, 7))
        return client.traces.list(query)

    cursors = {}
    for app in APPS:
        first = client.traces.list(TraceQuery(app=app))
        cursors[app] = first.next_cursor

    def next_page(attempt: int) -> Any:
        app = pick(attempt, APPS)
        return client.traces.list(TraceQuery(app=app, cursor=cursors[app]))

    def sessions_24h(attempt: int) -> Any:
        return client.traces.sessions(SessionQuery(**window(attempt, 1)))

    def tree(attempt: int) -> Any:
        number = (attempt * 7_919) % traces
        return client.traces.get(f"{number + 1:032x}")

    results = {
        "baseline_project_lookup": _timed(lambda _: client.projects.current(), repeats),
        "list_app_version_env_7d": _timed(app_version_env, repeats),
        "list_text_7d": _timed(text_search, repeats),
        "list_by_duration_24h": _timed(slowest, repeats),
        "list_score_bound_7d": _timed(score_bound, repeats),
        "list_next_page": _timed(next_page, repeats),
        "trace_tree": _timed(tree, repeats),
        "sessions_24h": _timed(sessions_24h, repeats),
    }
    baseline = max(results["baseline_project_lookup"]["p95_ms"], 1e-6)
    for figures in results.values():
        figures["ratio_to_baseline"] = round(figures["p95_ms"] / baseline, 2)
    return results


# --- metrics timing (helper M) ---------------------------------------------------------
def time_metrics_queries(client: Any, repeats: int) -> dict[str, dict[str, float]]:
    """p50/p95 of 24-hour metrics queries and of canary samples (see docs/metrics.md).

    - ``metrics_24h``: 1-hour buckets of every trace of one day (counts, errors, latency
      percentiles, tokens, cost, mean faithfulness), evaluation traces left out;
    - ``metrics_24h_by_version``: the same, grouped by app and version (80 groups);
    - ``metrics_24h_by_model``: 5-minute buckets of the day's LLM calls, grouped by model;
    - ``samples_24h``: the raw requests of two versions of one app over one day.

    Each is also given as a ratio to ``client.projects.current()`` measured here.
    """

    def day(attempt: int) -> dict[str, datetime]:
        end = END - timedelta(hours=7 * attempt % (24 * (DAYS - 1)))
        return {"start": end - timedelta(hours=24), "end": end}

    def by_version(attempt: int) -> Any:
        return client.metrics.query(bucket="1h", group_by=["app", "version"], **day(attempt))

    def by_model(attempt: int) -> Any:
        return client.metrics.query(bucket="5m", group_by=["model"], **day(attempt))

    def samples(attempt: int) -> Any:
        app = APPS[attempt % len(APPS)]
        return client.metrics.samples(app, versions=VERSIONS[:2], limit=10_000, **day(attempt))

    results = {
        "metrics_24h": _timed(lambda a: client.metrics.query(bucket="1h", **day(a)), repeats),
        "metrics_24h_by_version": _timed(by_version, repeats),
        "metrics_24h_by_model": _timed(by_model, repeats),
        "samples_24h": _timed(samples, repeats),
    }
    baseline = max(_timed(lambda _: client.projects.current(), repeats)["p95_ms"], 1e-6)
    for figures in results.values():
        figures["ratio_to_baseline"] = round(figures["p95_ms"] / baseline, 2)
    return results


# --- end of metrics timing ---------------------------------------------------------------


def measure(dialect: str, postgres_url: str | None, spans: int, repeats: int) -> dict[str, Any]:
    """Load *spans* spans into a fresh *dialect* store and time every query."""
    with fresh_database(dialect, postgres_url) as url:
        begin = time.perf_counter()
        client = load(url, spans)
        load_s = time.perf_counter() - begin
        try:
            figures: dict[str, Any] = time_trace_queries(client, spans // SPANS_PER_TRACE, repeats)
            figures.update(time_metrics_queries(client, repeats))
        finally:
            client.close()
    return {"spans": spans, "load_s": round(load_s, 1), "queries": figures}


def _growth(runs: list[dict[str, Any]]) -> dict[str, float]:
    small, large = runs[0]["queries"], runs[-1]["queries"]
    return {
        name: round(large[name]["p95_ms"] / max(small[name]["p95_ms"], 1e-6), 2) for name in large
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; print and return the figures as JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="Span counts, comma separated.")
    parser.add_argument("--spans", type=int, help="One size (overrides --sizes).")
    parser.add_argument("--repeats", type=int, default=60, help="Timed runs per query.")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LLMLOOP_TEST_POSTGRES_URL"),
        help="An admin URL of a PostgreSQL cluster (a fresh database is made).",
    )
    parser.add_argument(
        "--dialects", default=None, help="sqlite,postgresql (default: both when a URL is known)."
    )
    parser.add_argument("--smoke", action="store_true", help="Tiny sizes for CI.")
    args = parser.parse_args(argv)
    sizes = [args.spans] if args.spans else [int(size) for size in args.sizes.split(",")]
    repeats = args.repeats
    if args.smoke:
        sizes, repeats = [400, 800], 3
    dialects = (
        args.dialects.split(",")
        if args.dialects
        else ["sqlite"] + (["postgresql"] if args.postgres_url else [])
    )
    result: dict[str, Any] = {"sizes": sizes, "repeats": repeats}
    for dialect in dialects:
        runs = [measure(dialect, args.postgres_url, size, repeats) for size in sizes]
        result[dialect] = {"runs": runs}
        if len(runs) > 1:
            result[dialect]["growth"] = _growth(runs)
        print(json.dumps({dialect: result[dialect]}, indent=1), file=sys.stderr, flush=True)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
