"""``POST /v1/traces`` with real clients on loopback: the stock OpenTelemetry SDK exporter,
a hand-built OTLP/JSON body, bad input of every kind, overload, and project isolation."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode
from sqlalchemy import func, select

from llmloop.client.local import LocalClient
from llmloop.domain.clock import ManualClock
from llmloop.server.app import create_app
from llmloop.server.routers.otlp import receiver_of
from llmloop.server.run import ServerThread
from llmloop.server.state import ServerState
from llmloop.settings import Settings, load_settings
from llmloop.store.database import Database
from llmloop.store.projects import ProjectRepository
from llmloop.store.traces import SpanRow, TraceRow
from tests.monitor.otlp_builders import agent_trace, make_request, make_span


@pytest.fixture
def real_time(clock: ManualClock) -> ManualClock:
    """The test clock moved to the wall clock's time, which the OpenTelemetry SDK stamps."""
    clock.advance((datetime.now(UTC) - clock.now()).total_seconds())
    return clock


@pytest.fixture
def project_key(local_admin: LocalClient) -> str:
    return local_admin.keys.create("ingest", project="default").secret


def _sdk_spans() -> list[ReadableSpan]:
    """Spans made by the stock OpenTelemetry SDK: an agent with an LLM call under it."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "support-bot", "service.version": "2.0"})
    )
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("tests")
    with tracer.start_as_current_span(
        "answer",
        attributes={
            "openinference.span.kind": "AGENT",
            "session.id": "sess-9",
            "user.id": "user-9",
            "input.value": "Where is my order?",
        },
    ) as root:
        with tracer.start_as_current_span(
            "chat claude",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "anthropic",
                "gen_ai.request.model": "claude-sonnet-4-20250514",
                "gen_ai.usage.input_tokens": 10_000,
                "gen_ai.usage.output_tokens": 2_000,
                "gen_ai.usage.cache_read.input_tokens": 4_000,
                "gen_ai.usage.cache_creation.input_tokens": 1_000,
            },
        ) as llm:
            llm.set_status(Status(StatusCode.ERROR, "overloaded"))
        root.set_attribute("output.value", "It ships tomorrow.")
    provider.shutdown()
    return list(memory.get_finished_spans())


def _rows(database: Database) -> tuple[dict[str, SpanRow], list[TraceRow]]:
    with database.session() as session:
        spans = {row.name: row for row in session.scalars(select(SpanRow))}
        traces = list(session.scalars(select(TraceRow)))
    return spans, traces


def _counts(database: Database) -> tuple[int, int, list[Any]]:
    with database.session() as session:
        return (
            session.scalar(select(func.count()).select_from(SpanRow)) or 0,
            session.scalar(select(func.count()).select_from(TraceRow)) or 0,
            [
                (row.trace_id, row.span_count, row.cost_usd, row.updated_at)
                for row in session.scalars(select(TraceRow).order_by(TraceRow.trace_id))
            ],
        )


def test_the_stock_otel_exporter_stores_spans_with_the_right_fields(
    server: ServerThread, database: Database, project_key: str, real_time: ManualClock
) -> None:
    exporter = OTLPSpanExporter(
        endpoint=f"{server.url}/v1/traces", headers={"Authorization": f"Bearer {project_key}"}
    )
    sdk_spans = _sdk_spans()
    assert exporter.export(sdk_spans) is SpanExportResult.SUCCESS
    exporter.shutdown()
    spans, [trace] = _rows(database)
    root, llm = spans["answer"], spans["chat claude"]
    assert (root.kind, llm.kind) == ("agent", "llm")
    assert llm.parent_span_id == root.span_id
    assert root.trace_id == format(sdk_spans[0].context.trace_id, "032x")
    assert (llm.model, llm.provider, llm.status, llm.status_message) == (
        "claude-sonnet-4-20250514",
        "anthropic",
        "error",
        "overloaded",
    )
    assert (llm.input_tokens, llm.cache_read_tokens, llm.cache_write_tokens) == (
        10_000,
        4_000,
        1_000,
    )
    # 5k uncached x $3 + 4k read x $0.30 + 1k write x $3.75 + 2k out x $15 per MTok
    assert llm.cost_usd == pytest.approx(0.04995)
    assert (root.session_id, root.user_id) == ("sess-9", "user-9")
    assert (trace.app, trace.app_version, trace.session_id, trace.user_id) == (
        "support-bot",
        "2.0",
        "sess-9",
        "user-9",
    )
    assert (trace.status, trace.span_count, trace.cost_usd) == ("error", 2, pytest.approx(0.04995))
    assert trace.output_preview == "It ships tomorrow."


def test_the_exporter_header_environment_variable_and_gzip_work(
    server: ServerThread,
    database: Database,
    project_key: str,
    real_time: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"Authorization=Bearer%20{project_key}")
    exporter = OTLPSpanExporter(endpoint=f"{server.url}/v1/traces", compression=Compression.Gzip)
    assert exporter.export(_sdk_spans()) is SpanExportResult.SUCCESS
    exporter.shutdown()
    assert _counts(database)[:2] == (2, 1)


def _json_body() -> dict[str, Any]:
    start = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1e9) - 5_000_000_000
    span_fields = {"startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 2_000_000)}
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": "llmloop.app", "value": {"stringValue": "faq"}},
                        {"key": "llmloop.environment", "value": {"stringValue": "staging"}},
                    ]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "0af7651916cd43dd8448eb211c80319c",
                                "spanId": "b7ad6b7169203331",
                                "name": "rag",
                                "attributes": [
                                    {"key": "llmloop.kind", "value": {"stringValue": "chain"}},
                                    {"key": "llmloop.user_id", "value": {"stringValue": "u7"}},
                                ],
                                **span_fields,
                            },
                            {
                                "traceId": "0af7651916cd43dd8448eb211c80319c",
                                "spanId": "00f067aa0ba902b7",
                                "parentSpanId": "b7ad6b7169203331",
                                "name": "generate",
                                "attributes": [
                                    {
                                        "key": "llm.model_name",
                                        "value": {"stringValue": "gpt-4o-mini"},
                                    },
                                    {"key": "llm.token_count.prompt", "value": {"intValue": "900"}},
                                    {
                                        "key": "llm.token_count.completion",
                                        "value": {"intValue": 100},
                                    },
                                    {
                                        "key": "openinference.span.kind",
                                        "value": {"stringValue": "LLM"},
                                    },
                                ],
                                **span_fields,
                            },
                        ]
                    }
                ],
            }
        ]
    }


def _post(
    server: ServerThread, key: str | None, content: bytes, content_type: str, **headers: str
) -> httpx2.Response:
    sent = {"Content-Type": content_type, **headers}
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    return httpx2.post(f"{server.url}/v1/traces", content=content, headers=sent, timeout=10)


def test_a_hand_built_otlp_json_body_is_stored(
    server: ServerThread, database: Database, project_key: str
) -> None:
    response = _post(server, project_key, json.dumps(_json_body()).encode(), "application/json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {}
    spans, [trace] = _rows(database)
    generate = spans["generate"]
    assert generate.trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert (generate.span_id, generate.parent_span_id) == ("00f067aa0ba902b7", "b7ad6b7169203331")
    assert (generate.kind, generate.model, generate.input_tokens, generate.output_tokens) == (
        "llm",
        "gpt-4o-mini",
        900,
        100,
    )
    assert generate.cost_usd is not None
    assert generate.cost_usd > 0
    assert (trace.app, trace.environment, trace.user_id, trace.kind) == (
        "faq",
        "staging",
        "u7",
        "chain",
    )


def test_partial_success_names_the_refused_spans_in_both_encodings(
    server: ServerThread, database: Database, project_key: str
) -> None:
    good = make_span(1, 1, name="good")
    bad = make_span(2, 2, name="bad")
    bad.span_id = b""
    response = _post(
        server,
        project_key,
        make_request([good, bad]).SerializeToString(),
        "application/x-protobuf",
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    reply = ExportTraceServiceResponse.FromString(response.content)
    assert reply.partial_success.rejected_spans == 1
    assert "no valid span id" in reply.partial_success.error_message
    body = _json_body()
    body["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["endTimeUnixNano"] = "1"
    response = _post(server, project_key, json.dumps(body).encode(), "application/json")
    assert response.json()["partialSuccess"]["rejectedSpans"] == "1"
    assert "ends before it starts" in response.json()["partialSuccess"]["errorMessage"]
    assert set(_rows(database)[0]) == {"good", "rag"}


@pytest.mark.parametrize(
    ("content", "content_type", "headers", "status", "reason"),
    [
        (b"\x0a\xff\xff", "application/x-protobuf", {}, 400, "not a valid OTLP protobuf"),
        (b'{"resourceSpans": [', "application/json", {}, 400, "not a valid OTLP JSON"),
        (b"<spans/>", "application/xml", {}, 415, "is not an OTLP/HTTP encoding"),
        (b"\x1f\x8b broken", "application/json", {"Content-Encoding": "gzip"}, 400, "gzip"),
        (
            make_request([make_span(5, 5, start_ms=10 * 3600 * 1000)]).SerializeToString(),
            "application/x-protobuf",
            {},
            400,
            "after the receiver's clock",
        ),
        (
            json.dumps(
                {
                    "resourceSpans": [
                        {"scopeSpans": [{"spans": [{"name": "no ids", "endTimeUnixNano": "5"}]}]}
                    ]
                }
            ).encode(),
            "application/json",
            {},
            400,
            "no valid trace id",
        ),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_changes_nothing(
    server: ServerThread,
    database: Database,
    project_key: str,
    content: bytes,
    content_type: str,
    headers: dict[str, str],
    status: int,
    reason: str,
) -> None:
    first = _post(
        server,
        project_key,
        make_request(agent_trace(1)).SerializeToString(),
        "application/x-protobuf",
    )
    assert first.status_code == 200
    before = _counts(database)
    response = _post(server, project_key, content, content_type, **headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == "invalid_input"
    assert reason in response.json()["error"]["message"]
    assert _counts(database) == before


@pytest.mark.parametrize("key", [None, "llk_000000000000_wrong"])
def test_a_missing_or_wrong_key_is_refused_and_nothing_is_stored(
    server: ServerThread, database: Database, key: str | None
) -> None:
    response = _post(
        server, key, make_request(agent_trace(1)).SerializeToString(), "application/x-protobuf"
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert _counts(database)[:2] == (0, 0)


@pytest.fixture
def small_server(
    settings: Settings, database: Database, clock: ManualClock
) -> Iterator[tuple[ServerThread, ServerState, Any]]:
    """A server that takes bodies of at most 2,000 bytes and one request at a time."""
    tight = load_settings(
        home=settings.home,
        database_url=settings.database_url,
        otlp_max_body_bytes=2_000,
        ingest_max_concurrent_requests=1,
    )
    app = create_app(tight, database=database, clock=clock)
    with ServerThread(app) as running:
        yield running, ServerState.of(app), app.state


def test_an_oversize_body_gets_413_plain_or_gzip(
    small_server: tuple[ServerThread, ServerState, Any], database: Database, project_key: str
) -> None:
    server = small_server[0]
    big = make_request([make_span(1, 1, attributes={"input.value": "x" * 5_000})])
    plain = _post(server, project_key, big.SerializeToString(), "application/x-protobuf")
    assert plain.status_code == 413
    assert "larger than 2000 bytes" in plain.json()["error"]["message"]
    zipped = gzip.compress(big.SerializeToString())
    assert len(zipped) < 2_000  # small on the wire, too large once inflated
    inflated = _post(
        server, project_key, zipped, "application/x-protobuf", **{"Content-Encoding": "gzip"}
    )
    assert inflated.status_code == 413
    assert _counts(database)[:2] == (0, 0)


def test_overload_answers_429_with_retry_after_instead_of_queueing(
    small_server: tuple[ServerThread, ServerState, Any], database: Database, project_key: str
) -> None:
    server, state, app_state = small_server
    receiver = receiver_of(state, app_state)
    body = make_request(agent_trace(1)).SerializeToString()
    assert receiver.in_flight.acquire(blocking=False)  # the one allowed request is "in flight"
    try:
        refused = _post(server, project_key, body, "application/x-protobuf")
    finally:
        receiver.in_flight.release()
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"]["code"] == "overloaded"
    assert _counts(database)[:2] == (0, 0)
    assert _post(server, project_key, body, "application/x-protobuf").status_code == 200
    assert _counts(database)[:2] == (3, 1)


def test_spans_sent_with_another_projects_key_land_in_that_project(
    server: ServerThread, database: Database, local_admin: LocalClient
) -> None:
    local_admin.projects.create("victim")
    local_admin.projects.create("attacker")
    attacker = local_admin.keys.create("a", project="attacker").secret
    body = make_request(agent_trace(1)).SerializeToString()
    assert _post(server, attacker, body, "application/x-protobuf").status_code == 200
    with database.session() as session:
        owners = set(session.scalars(select(TraceRow.project_id)))
        projects = ProjectRepository(session)
        assert owners == {projects.get_row("attacker").id}
        assert projects.get_row("victim").id not in owners
