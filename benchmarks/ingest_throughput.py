"""Trace ingestion throughput: spans per second durably stored through ``POST /v1/traces``,
side by side with a raw decode-and-insert loop into the same kind of database.

Workload: OTLP protobuf batches of 512 spans (128 traces of 4 spans: an agent root, an LLM
call, a retrieval and a tool call; ~1.5 KB of attributes per span), sent by a few concurrent
senders to a real llmloop server on loopback. A span counts once the server answered 200,
which it does only after the commit.

Baseline ("raw"): the same number of workers decode the same protobuf bodies and insert
equivalent rows (every ``spans`` column, the same indexes and unique keys, and the same
trace-summary upsert) with the database driver directly: no HTTP, no validation, no attribute
mapping tables, no genai-prices (a fixed price), no SQLAlchemy. Each run gets a fresh,
migrated database; runs come in adjacent pairs (the order alternating), and the reported
ratio is the median of the pairs' ratios, so machine noise hits both sides alike.

    .venv/bin/python benchmarks/ingest_throughput.py --postgres-url postgresql://...   # full
    .venv/bin/python benchmarks/ingest_throughput.py --smoke                           # CI

Without ``--postgres-url`` (or ``LLMLOOP_TEST_POSTGRES_URL``) only SQLite is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SPANS_PER_TRACE = 4
TRACES_PER_BATCH = 128
TEXT = (
    "The customer asks how to reset a password on the mobile app after changing phones; "
    "the answer should cite the help-centre article and mention two-factor recovery codes. "
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Workload:
    """Protobuf bodies to send, and how many spans they hold."""

    bodies: list[bytes]
    spans: int


def _kv(key: str, value: Any) -> Any:
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def _span_attributes(kind: int, trace: int) -> dict[str, Any]:
    if kind == 0:
        return {
            "llmloop.kind": "agent",
            "llmloop.app": "support-bot",
            "llmloop.app_version": "v7",
            "llmloop.environment": "production",
            "llmloop.session_id": f"session-{trace % 97}",
            "llmloop.user_id": f"user-{trace % 389}",
            "input.value": TEXT * 3,
            "output.value": TEXT * 3,
        }
    if kind == 1:
        return {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 1_200 + trace % 50,
            "gen_ai.usage.output_tokens": 180 + trace % 20,
            "gen_ai.usage.cache_read.input_tokens": 512,
            "gen_ai.input.messages": json.dumps([{"role": "user", "content": TEXT * 3}]),
            "gen_ai.output.messages": json.dumps([{"role": "assistant", "content": TEXT * 3}]),
        }
    if kind == 2:
        return {
            "openinference.span.kind": "RETRIEVER",
            "input.value": TEXT,
            **{
                f"retrieval.documents.{n}.document.{field}": value
                for n in range(4)
                for field, value in (("id", f"kb-{n}"), ("content", TEXT), ("score", 0.5))
            },
        }
    return {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "lookup_order",
        "input.value": json.dumps({"order": trace, "note": TEXT * 2}),
        "output.value": json.dumps({"status": "shipped", "note": TEXT * 4}),
    }


def make_workload(batches: int, traces_per_batch: int = TRACES_PER_BATCH) -> Workload:
    """*batches* OTLP protobuf bodies of *traces_per_batch* x 4 spans, all ids unique."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )
    from opentelemetry.proto.trace.v1.trace_pb2 import Span

    now_ns = int(datetime.now(UTC).timestamp() * 1e9)
    bodies = []
    salt = uuid.uuid4().int & ((1 << 64) - 1)
    for batch in range(batches):
        request = ExportTraceServiceRequest()
        resource_spans = request.resource_spans.add()
        resource_spans.resource.attributes.extend(
            [_kv("service.name", "support-bot"), _kv("service.version", "7.0.1")]
        )
        scope = resource_spans.scope_spans.add()
        scope.scope.name = "benchmark"
        for local in range(traces_per_batch):
            trace = batch * traces_per_batch + local
            trace_id = salt.to_bytes(8, "big") + trace.to_bytes(8, "big")
            start = now_ns - 60_000_000_000 + trace * 1_000
            for kind in range(SPANS_PER_TRACE):
                span = scope.spans.add(
                    trace_id=trace_id,
                    span_id=(trace * SPANS_PER_TRACE + kind + 1).to_bytes(8, "big"),
                    parent_span_id=b""
                    if kind == 0
                    else (trace * SPANS_PER_TRACE + 1).to_bytes(8, "big"),
                    name=("answer", "chat gpt-4o-mini", "search", "lookup_order")[kind],
                    kind=Span.SPAN_KIND_INTERNAL,
                    start_time_unix_nano=start + kind * 1_000_000,
                    end_time_unix_nano=start + (kind + 5) * 1_000_000,
                )
                span.status.code = 1
                span.attributes.extend(
                    _kv(key, value) for key, value in _span_attributes(kind, trace).items()
                )
        bodies.append(request.SerializeToString())
    return Workload(bodies, batches * traces_per_batch * SPANS_PER_TRACE)


# -- databases ----------------------------------------------------------------------------


@contextmanager
def fresh_database(dialect: str, postgres_url: str | None) -> Iterator[str]:
    """A new, empty database of *dialect*; dropped afterwards."""
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    assert postgres_url
    admin = make_url(postgres_url)
    name = f"llmloop_bench_{uuid.uuid4().hex[:10]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _stored_spans(url: str) -> int:
    from sqlalchemy import func, select

    from llmloop.store.database import Database
    from llmloop.store.traces import SpanRow

    database = Database(url)
    with database.session() as session:
        count = session.scalar(select(func.count()).select_from(SpanRow)) or 0
    database.close()
    return int(count)


def _run_workers(bodies: list[bytes], senders: int, work: Callable[[bytes], None]) -> float:
    """Feed *bodies* to *senders* threads running *work*; return the elapsed seconds."""
    todo: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    for body in bodies:
        todo.put(body)
    for _ in range(senders):
        todo.put(None)
    failures: list[BaseException] = []

    def loop() -> None:
        while (body := todo.get()) is not None:
            try:
                work(body)
            except BaseException as exc:
                failures.append(exc)
                return

    threads = [threading.Thread(target=loop) for _ in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    return elapsed


# -- llmloop's server -----------------------------------------------------------------------


def serve_in_this_process(url: str, port: int, senders: int) -> None:
    """Run ``llmloop server`` over *url* on *port* (the benchmark starts this as a child)."""
    from llmloop.server.app import create_app
    from llmloop.server.run import serve
    from llmloop.settings import load_settings
    from llmloop.store.database import Database

    settings = load_settings(database_url=url, ingest_max_concurrent_requests=senders)
    serve(create_app(settings, database=Database(url, pool_size=senders + 2)), "127.0.0.1", port)


@contextmanager
def server_process(url: str, senders: int) -> Iterator[str]:
    """A real llmloop server in its own process, as in production; yields its URL."""
    import httpx2

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", url, "--port", str(port), "--senders", str(senders)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline or child.poll() is not None:
                raise RuntimeError("the llmloop server did not start")
            time.sleep(0.05)  # polling a child process that is starting, not timing anything
        yield base
    finally:
        child.terminate()
        child.wait(timeout=30)


def run_server(url: str, workload: Workload, senders: int) -> float:
    """Spans per second stored through the real endpoint of a server process."""
    import httpx2

    from llmloop.client.local import LocalClient
    from llmloop.domain.projects import Principal
    from llmloop.store.database import Database

    database = Database(url)
    admin = LocalClient(database, Principal(actor="bench", project="bench", admin=True))
    admin.ensure_project()
    secret = admin.keys.create("bench", project="bench").secret
    database.close()
    local = threading.local()

    def send(body: bytes) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx2.Client(
                headers={
                    "Authorization": f"Bearer {secret}",
                    "Content-Type": "application/x-protobuf",
                },
                timeout=120,
            )
        response = client.post(f"{base}/v1/traces", content=body)
        if response.status_code != 200 or response.content:
            raise RuntimeError(f"server answered {response.status_code}: {response.text[:200]}")

    with server_process(url, senders) as base:
        # One small request first, so start-up (migrations check, price data) is not timed.
        send(make_workload(1, traces_per_batch=1).bodies[0])
        elapsed = _run_workers(workload.bodies, senders, send)
    stored = _stored_spans(url) - SPANS_PER_TRACE
    if stored != workload.spans:
        raise RuntimeError(f"{stored} spans stored, {workload.spans} sent")
    return workload.spans / elapsed


# -- the raw baseline -------------------------------------------------------------------------

_SPAN_COLUMNS = [
    "project_id",
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "kind",
    "otel_kind",
    "scope",
    "start_time",
    "end_time",
    "duration_ms",
    "status",
    "status_message",
    "model",
    "provider",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cost_usd",
    "cost_source",
    "app",
    "app_version",
    "environment",
    "variant",
    "rollout_step",
    "session_id",
    "user_id",
    "tags",
    "input",
    "output",
    "input_truncated",
    "output_truncated",
    "truncation",
    "attributes",
    "resource_attributes",
    "events",
    "links",
    "conventions_version",
    "received_at",
]
_TRACE_COLUMNS = [
    "project_id",
    "trace_id",
    "name",
    "kind",
    "has_root",
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
    "start_ns",
    "end_ns",
    "duration_ms",
    "status",
    "span_count",
    "error_count",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_usd",
    "unpriced_span_count",
    "input_preview",
    "output_preview",
    "updated_at",
]
_ADDED = "span_count error_count input_tokens output_tokens total_tokens unpriced_span_count"
_SUMMARY_SQL = (
    f"INSERT INTO traces ({', '.join(_TRACE_COLUMNS)}) "  # noqa: S608 - constant column names
    f"VALUES ({', '.join(':' + c for c in _TRACE_COLUMNS)}) "
    "ON CONFLICT (project_id, trace_id) DO UPDATE SET "
    + ", ".join(f"{c} = traces.{c} + excluded.{c}" for c in _ADDED.split())
    + ", start_ns = CASE WHEN excluded.start_ns < traces.start_ns THEN excluded.start_ns "
    "ELSE traces.start_ns END, start_time = CASE WHEN excluded.start_ns < traces.start_ns "
    "THEN excluded.start_time ELSE traces.start_time END, end_ns = CASE WHEN excluded.end_ns > "
    "traces.end_ns THEN excluded.end_ns ELSE traces.end_ns END, end_time = CASE WHEN "
    "excluded.end_ns > traces.end_ns THEN excluded.end_time ELSE traces.end_time END, "
    "cost_usd = COALESCE(traces.cost_usd + excluded.cost_usd, traces.cost_usd, "
    "excluded.cost_usd), status = CASE WHEN traces.error_count + excluded.error_count > 0 THEN "
    "'error' ELSE 'ok' END, "
    + ", ".join(
        f"{c} = CASE WHEN excluded.has_root THEN excluded.{c} ELSE traces.{c} END"
        for c in ("name", "kind", "input_preview", "output_preview", "app", "session_id")
    )
    + ", has_root = CASE WHEN excluded.has_root THEN excluded.has_root ELSE traces.has_root END"
)
_SPANS_SQL = (
    f"INSERT INTO spans ({', '.join(_SPAN_COLUMNS)}) "  # noqa: S608 - constant column names
    f"VALUES ({', '.join(':' + c for c in _SPAN_COLUMNS)}) "
    "ON CONFLICT (project_id, trace_id, span_id) DO NOTHING"
)


def _pyformat(sql: str) -> str:
    return re.sub(r":(\w+)", r"%(\1)s", sql)


def _value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def _raw_rows(
    body: bytes, project_id: int, when: Callable[[datetime], Any], flag: Callable[[bool], Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    request = ExportTraceServiceRequest.FromString(body)
    spans: list[dict[str, Any]] = []
    traces: dict[str, dict[str, Any]] = {}
    now = when(datetime.now(UTC))
    for resource_spans in request.resource_spans:
        resource = {kv.key: _value(kv.value) for kv in resource_spans.resource.attributes}
        resource_json = json.dumps(resource)
        for scope in resource_spans.scope_spans:
            for span in scope.spans:
                attrs = {kv.key: _value(kv.value) for kv in span.attributes}
                start = EPOCH + timedelta(microseconds=span.start_time_unix_nano // 1000)
                end = EPOCH + timedelta(microseconds=span.end_time_unix_nano // 1000)
                input_tokens = attrs.get("gen_ai.usage.input_tokens")
                output_tokens = attrs.get("gen_ai.usage.output_tokens")
                total = (input_tokens or 0) + (output_tokens or 0) if input_tokens else None
                cost = (input_tokens * 0.15 + output_tokens * 0.6) / 1e6 if input_tokens else None
                trace_id = span.trace_id.hex()
                root = not span.parent_span_id
                text_in = attrs.get("input.value") or attrs.get("gen_ai.input.messages")
                text_out = attrs.get("output.value") or attrs.get("gen_ai.output.messages")
                spans.append(
                    {
                        "project_id": project_id,
                        "trace_id": trace_id,
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex() or None,
                        "name": span.name,
                        "kind": attrs.get("llmloop.kind", "chain"),
                        "otel_kind": span.kind,
                        "scope": scope.scope.name,
                        "start_time": when(start),
                        "end_time": when(end),
                        "duration_ms": (span.end_time_unix_nano - span.start_time_unix_nano) / 1e6,
                        "status": "ok",
                        "status_message": None,
                        "model": attrs.get("gen_ai.request.model"),
                        "provider": attrs.get("gen_ai.provider.name"),
                        "input_tokens": input_tokens,
                        "output_tokens": output_tokens,
                        "total_tokens": total,
                        "cache_read_tokens": attrs.get("gen_ai.usage.cache_read.input_tokens"),
                        "cache_write_tokens": None,
                        "reasoning_tokens": None,
                        "cost_usd": cost,
                        "cost_source": "price" if cost is not None else None,
                        "app": attrs.get("llmloop.app", resource.get("service.name")),
                        "app_version": attrs.get("llmloop.app_version"),
                        "environment": attrs.get("llmloop.environment"),
                        "variant": None,
                        "rollout_step": None,
                        "session_id": attrs.get("llmloop.session_id"),
                        "user_id": attrs.get("llmloop.user_id"),
                        "tags": "[]",
                        "input": text_in,
                        "output": text_out,
                        "input_truncated": flag(False),
                        "output_truncated": flag(False),
                        "truncation": "{}",
                        "attributes": json.dumps(attrs),
                        "resource_attributes": resource_json,
                        "events": "[]",
                        "links": "[]",
                        "conventions_version": "raw",
                        "received_at": now,
                    }
                )
                summary = traces.get(trace_id)
                if summary is None:
                    summary = traces[trace_id] = {
                        "project_id": project_id,
                        "trace_id": trace_id,
                        "name": None,
                        "kind": None,
                        "has_root": flag(False),
                        "app": None,
                        "app_version": None,
                        "environment": None,
                        "variant": None,
                        "rollout_step": None,
                        "session_id": None,
                        "user_id": None,
                        "tags": "[]",
                        "start_time": when(start),
                        "end_time": when(end),
                        "start_ns": span.start_time_unix_nano,
                        "end_ns": span.end_time_unix_nano,
                        "duration_ms": 0.0,
                        "status": "ok",
                        "span_count": 0,
                        "error_count": 0,
                        "input_tokens": 0,
                        "output_tokens": 0,
                        "total_tokens": 0,
                        "cost_usd": None,
                        "unpriced_span_count": 0,
                        "input_preview": None,
                        "output_preview": None,
                        "updated_at": now,
                    }
                summary["span_count"] += 1
                summary["input_tokens"] += input_tokens or 0
                summary["output_tokens"] += output_tokens or 0
                summary["total_tokens"] += total or 0
                if cost is not None:
                    summary["cost_usd"] = (summary["cost_usd"] or 0.0) + cost
                if span.start_time_unix_nano < summary["start_ns"]:
                    summary["start_ns"] = span.start_time_unix_nano
                    summary["start_time"] = when(start)
                if span.end_time_unix_nano > summary["end_ns"]:
                    summary["end_ns"] = span.end_time_unix_nano
                    summary["end_time"] = when(end)
                summary["duration_ms"] = (summary["end_ns"] - summary["start_ns"]) / 1e6
                if root:
                    summary.update(
                        name=span.name,
                        kind=attrs.get("llmloop.kind"),
                        has_root=flag(True),
                        app=attrs.get("llmloop.app"),
                        app_version=attrs.get("llmloop.app_version"),
                        environment=attrs.get("llmloop.environment"),
                        session_id=attrs.get("llmloop.session_id"),
                        user_id=attrs.get("llmloop.user_id"),
                        input_preview=(text_in or "")[:500],
                        output_preview=(text_out or "")[:500],
                    )
    return spans, list(traces.values())


def run_raw(url: str, workload: Workload, senders: int) -> float:
    """Spans per second stored by the raw decode-and-insert loop."""
    from llmloop.store.database import Database
    from llmloop.store.projects import ProjectRepository

    database = Database(url)
    with database.session() as session:
        project_id = ProjectRepository(session).ensure("bench", at=datetime.now(UTC))
    postgres = database.dialect == "postgresql"
    database.close()
    local = threading.local()
    if postgres:
        import psycopg
        from sqlalchemy.engine import make_url

        conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        spans_sql, summary_sql = _pyformat(_SPANS_SQL), _pyformat(_SUMMARY_SQL)

        def connect() -> Any:
            return psycopg.connect(conninfo)

        def when(moment: datetime) -> Any:
            return moment.replace(tzinfo=None)

        def flag(value: bool) -> Any:
            return value
    else:
        import sqlite3

        path = url.removeprefix("sqlite:///")
        spans_sql, summary_sql = _SPANS_SQL, _SUMMARY_SQL

        def connect() -> Any:
            connection = sqlite3.connect(path, timeout=60, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            return connection

        def when(moment: datetime) -> Any:
            return moment.strftime("%Y-%m-%d %H:%M:%S.%f")

        def flag(value: bool) -> Any:
            return int(value)

    connections: list[Any] = []

    def insert(body: bytes) -> None:
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = connect()
            connections.append(connection)
        spans, traces = _raw_rows(body, project_id, when, flag)
        cursor = connection.cursor()
        cursor.executemany(spans_sql, spans)
        cursor.executemany(summary_sql, traces)
        connection.commit()

    elapsed = _run_workers(workload.bodies, senders, insert)
    for connection in connections:
        connection.close()
    stored = _stored_spans(url)
    if stored != workload.spans:
        raise RuntimeError(f"raw loop stored {stored} spans, {workload.spans} sent")
    return workload.spans / elapsed


# -- driver ---------------------------------------------------------------------------------


def measure(
    dialect: str, postgres_url: str | None, workload: Workload, senders: int, rounds: int
) -> dict[str, Any]:
    """Spans/s for the server and the raw loop in *rounds* adjacent pairs (order alternating).

    The headline ratio is the median of the per-pair ratios: both runs of a pair share the
    machine's load at that moment, which on a shared machine moves absolute rates by 2x.
    """
    server_rates: list[float] = []
    raw_rates: list[float] = []
    for round_number in range(rounds):
        order = (run_raw, run_server) if round_number % 2 == 0 else (run_server, run_raw)
        for run in order:
            with fresh_database(dialect, postgres_url) as url:
                rate = run(url, workload, senders)
            (raw_rates if run is run_raw else server_rates).append(rate)
    ratios = [server / raw for server, raw in zip(server_rates, raw_rates, strict=True)]
    return {
        "server_spans_per_s": round(statistics.median(server_rates)),
        "raw_spans_per_s": round(statistics.median(raw_rates)),
        "ratio_server_to_raw": round(statistics.median(ratios), 3),
        "pair_ratios": [round(ratio, 3) for ratio in ratios],
        "server_runs": [round(rate) for rate in server_rates],
        "raw_runs": [round(rate) for rate in raw_rates],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; print and return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--batches", type=int, default=40, help="batches of 512 spans per run")
    parser.add_argument("--senders", type=int, default=4, help="concurrent senders/workers")
    parser.add_argument("--rounds", type=int, default=5, help="adjacent server/raw pairs")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LLMLOOP_TEST_POSTGRES_URL"),
        help="admin URL of a PostgreSQL cluster (a database is made and dropped per run)",
    )
    parser.add_argument("--serve", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve_in_this_process(args.serve, args.port, args.senders)
        return {}
    if args.smoke:
        workload = make_workload(2, traces_per_batch=8)
        args.senders, args.rounds = 2, 1
    else:
        workload = make_workload(args.batches)
    dialects = ["sqlite"] + (["postgresql"] if args.postgres_url else [])
    result: dict[str, Any] = {
        "spans_per_run": workload.spans,
        "spans_per_batch": workload.spans // len(workload.bodies),
        "batch_bytes": len(workload.bodies[0]),
        "senders": args.senders,
        "rounds": args.rounds,
    }
    for dialect in dialects:
        result[dialect] = measure(dialect, args.postgres_url, workload, args.senders, args.rounds)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
