"""The ingestion function on SQLite and PostgreSQL: stored rows, summaries, idempotence,
partial rejection, truncation and cost."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from sqlalchemy import func, select

from llmloop.domain.clock import ManualClock
from llmloop.domain.pricing import PriceBook, UserModelPrice
from llmloop.domain.traces import IngestLimits
from llmloop.monitor.ingest import TraceIngestor, ingest_otlp
from llmloop.store.database import Database
from llmloop.store.projects import ProjectRepository
from llmloop.store.traces import SpanRow, TraceRow
from tests.monitor.otlp_builders import (
    LLM_ATTRIBUTES,
    agent_trace,
    make_request,
    make_span,
    trace_id,
)


@pytest.fixture
def project_id(database: Database, clock: ManualClock) -> int:
    with database.session() as session:
        return ProjectRepository(session).ensure("default", at=clock.now())


def _spans(database: Database) -> dict[str, SpanRow]:
    with database.session() as session:
        return {row.name: row for row in session.scalars(select(SpanRow))}


def _traces(database: Database) -> list[TraceRow]:
    with database.session() as session:
        return list(session.scalars(select(TraceRow).order_by(TraceRow.trace_id)))


def _summary(row: TraceRow) -> dict[str, Any]:
    names = [c.name for c in TraceRow.__table__.columns if c.name not in ("id", "updated_at")]
    return {name: getattr(row, name) for name in names}


def test_stored_rows_carry_model_tokens_cost_kinds_parents_session_and_user(
    database: Database, clock: ManualClock, project_id: int
) -> None:
    result = ingest_otlp(database, project_id, make_request(agent_trace(1)), clock=clock)
    assert (result.accepted, result.rejected, result.errors) == (3, 0, [])
    spans = _spans(database)
    root, llm, search = spans["answer"], spans["chat gpt-4o"], spans["search"]
    assert (root.kind, llm.kind, search.kind) == ("agent", "llm", "retrieval")
    assert root.parent_span_id is None
    assert llm.parent_span_id == search.parent_span_id == root.span_id
    assert llm.trace_id == trace_id(1).hex()
    assert (llm.model, llm.provider) == ("gpt-4o", "openai")
    assert (llm.input_tokens, llm.output_tokens, llm.total_tokens) == (10_000, 2_000, 12_000)
    assert (llm.cache_read_tokens, llm.cache_write_tokens) == (4_000, 1_000)
    assert (llm.cost_usd, llm.cost_source) == (pytest.approx(0.040), "price")
    assert (root.session_id, root.user_id, root.app, root.environment) == (
        "s-1",
        "u-1",
        "support-bot",
        "production",
    )
    assert llm.attributes["gen_ai.request.model"] == "gpt-4o"  # raw attributes kept
    assert llm.resource_attributes == {"service.name": "support-bot"}
    assert llm.app == "support-bot"  # from the resource's service.name
    [trace] = _traces(database)
    assert (trace.name, trace.kind, trace.app, trace.app_version) == (
        "answer",
        "agent",
        "support-bot",
        "v3",
    )
    assert (trace.session_id, trace.user_id, trace.environment) == ("s-1", "u-1", "production")
    assert (trace.span_count, trace.error_count, trace.status) == (3, 0, "ok")
    assert (trace.input_tokens, trace.output_tokens, trace.total_tokens) == (10_000, 2_000, 12_000)
    assert trace.cost_usd == pytest.approx(0.040)
    assert trace.duration_ms == pytest.approx(100.0)
    assert trace.input_preview == "How do I reset my password?"
    assert trace.output_preview == "Click 'Forgot password'."


def test_a_span_sent_twice_is_stored_once(
    database: Database, clock: ManualClock, project_id: int
) -> None:
    request = make_request(agent_trace(1))
    ingest_otlp(database, project_id, request, clock=clock)
    before = [_summary(row) for row in _traces(database)]
    again = ingest_otlp(database, project_id, request, clock=clock)
    assert (again.accepted, again.rejected) == (3, 0)
    doubled = make_request([*agent_trace(2), *agent_trace(2)])
    assert ingest_otlp(database, project_id, doubled, clock=clock).accepted == 6
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(SpanRow)) == 6
    traces = _traces(database)
    assert _summary(traces[0]) == before[0]
    assert traces[1].span_count == 3
    assert traces[1].cost_usd == pytest.approx(0.040)


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_a_trace_in_several_batches_ends_with_the_same_summary(
    database: Database, clock: ManualClock, project_id: int, order: tuple[int, ...]
) -> None:
    spans = agent_trace(1)
    spans.append(make_span(1, 99, parent=10, name="late", start_ms=90, duration_ms=40, error=True))
    ingest_otlp(database, project_id, make_request(spans), clock=clock)
    whole = _summary(_traces(database)[0])
    with database.engine.begin() as connection:
        connection.execute(SpanRow.__table__.delete())
        connection.execute(TraceRow.__table__.delete())
    batches = [[spans[0]], [spans[1], spans[3]], [spans[2]]]
    for index in order:
        ingest_otlp(database, project_id, make_request(batches[index]), clock=clock)
    assert _summary(_traces(database)[0]) == whole
    assert whole["status"] == "error"
    assert whole["error_count"] == 1
    assert whole["duration_ms"] == pytest.approx(130.0)
    assert whole["span_count"] == 4


def test_concurrent_batches_of_one_trace_add_up(
    database: Database, clock: ManualClock, project_id: int
) -> None:
    ingestor = TraceIngestor(clock)
    spans = [
        make_span(1, n, parent=None if n == 0 else 0, start_ms=n, attributes=LLM_ATTRIBUTES)
        for n in range(40)
    ]
    batches = [spans[i::8] for i in range(8)]
    failures: list[BaseException] = []

    def send(batch: list[Span]) -> None:
        try:
            with database.session() as session:
                ingestor.ingest(session, project_id, make_request(batch))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    [trace] = _traces(database)
    assert trace.span_count == 40
    assert trace.input_tokens == 40 * 10_000
    assert trace.cost_usd == pytest.approx(40 * 0.040)


def test_invalid_spans_are_refused_alone_with_reasons(
    database: Database, clock: ManualClock, project_id: int
) -> None:
    good = make_span(1, 1, name="good")
    no_trace_id = make_span(2, 2, name="no-trace")
    no_trace_id.trace_id = b""
    backwards = make_span(3, 3, name="backwards")
    backwards.end_time_unix_nano = backwards.start_time_unix_nano - 1
    future = make_span(4, 4, name="future", start_ms=2 * 3600 * 1000)
    bad_tokens = make_span(5, 5, name="bad", attributes={"gen_ai.usage.input_tokens": "lots"})
    empty_value = make_span(6, 6, name="empty")
    empty_value.attributes.add(key="mystery")  # an AnyValue with no value of a known type
    request = make_request([good, no_trace_id, backwards, future, bad_tokens, empty_value])
    result = ingest_otlp(database, project_id, request, clock=clock)
    assert (result.accepted, result.rejected) == (1, 5)
    reasons = " | ".join(result.errors)
    assert "no valid trace id" in reasons
    assert "ends before it starts" in reasons
    assert "after the receiver's clock" in reasons
    assert "gen_ai.usage.input_tokens must be a whole number" in reasons
    assert "attribute 'mystery' has no value of a known OTLP type" in reasons
    assert list(_spans(database)) == ["good"]


def test_text_is_cut_at_the_limit_and_the_cut_recorded(
    database: Database, clock: ManualClock, project_id: int
) -> None:
    long_input = "x" * 250
    span = make_span(
        1,
        1,
        attributes={"input.value": long_input, "output.value": "short", "note": "y" * 300},
    )
    limits = IngestLimits(max_text_chars=100, preview_chars=20)
    ingest_otlp(database, project_id, make_request([span]), clock=clock, limits=limits)
    row = _spans(database)["step"]
    assert row.input == "x" * 100
    assert row.input_truncated
    assert row.output == "short"
    assert not row.output_truncated
    assert row.truncation == {"input_chars": 250, "attributes": ["input.value", "note"]}
    assert row.attributes["note"] == "y" * 100
    assert _traces(database)[0].input_preview == "x" * 20


def test_client_cost_wins_and_unknown_models_stay_unpriced(
    database: Database, clock: ManualClock, project_id: int
) -> None:
    spans = [
        make_span(1, 1, name="client", attributes={**LLM_ATTRIBUTES, "llmloop.cost_usd": 1.5}),
        make_span(
            1,
            2,
            name="unknown",
            attributes={**LLM_ATTRIBUTES, "gen_ai.request.model": "in-house-7b"},
        ),
    ]
    ingest_otlp(database, project_id, make_request(spans), clock=clock)
    rows = _spans(database)
    assert (rows["client"].cost_usd, rows["client"].cost_source) == (1.5, "client")
    assert (rows["unknown"].cost_usd, rows["unknown"].cost_source) == (None, None)
    [trace] = _traces(database)
    assert trace.cost_usd == pytest.approx(1.5)
    assert trace.unpriced_span_count == 1
    unknown_model = {**LLM_ATTRIBUTES, "gen_ai.request.model": "in-house-7b"}
    unpriced_only = make_request([make_span(2, 3, attributes=unknown_model)])
    ingest_otlp(database, project_id, unpriced_only, clock=clock)
    assert _traces(database)[1].cost_usd is None  # unknown, never zero


def test_user_prices_apply(database: Database, clock: ManualClock, project_id: int) -> None:
    prices = PriceBook(
        {"in-house-7b": UserModelPrice(input_mtok=Decimal(1), output_mtok=Decimal(2))}
    )
    span = make_span(1, 1, attributes={**LLM_ATTRIBUTES, "gen_ai.request.model": "in-house-7b"})
    ingest_otlp(database, project_id, make_request([span]), clock=clock, prices=prices)
    # 10k input x $1 + 2k output x $2 per MTok
    assert _spans(database)["step"].cost_usd == pytest.approx(0.014)


def test_nul_characters_and_odd_values_are_stored_safely(
    database: Database, clock: ManualClock, project_id: int
) -> None:
    span = make_span(
        1,
        1,
        name="nul\x00name",
        attributes={
            "input.value": "a\x00b",
            "nan": float("nan"),
            "blob": b"\x00\x01",
            "nested": {"list": [1, "two", {"three": 3.0}]},
        },
    )
    assert ingest_otlp(database, project_id, make_request([span]), clock=clock).accepted == 1
    row = _spans(database)["nul\ufffdname"]
    assert row.input == "a\ufffdb"
    assert row.attributes["nan"] == "nan"
    assert row.attributes["blob"] == "AAE="
    assert row.attributes["nested"] == {"list": [1, "two", {"three": 3.0}]}


def test_many_refused_spans_are_all_counted_and_the_first_reasons_named(
    database: Database, clock: ManualClock, project_id: int
) -> None:
    bad = []
    for n in range(25):
        span = make_span(n, n)
        span.end_time_unix_nano = span.start_time_unix_nano - 1
        bad.append(span)
    result = ingest_otlp(database, project_id, make_request([make_span(99, 99), *bad]), clock=clock)
    assert (result.accepted, result.rejected, len(result.errors)) == (1, 25, 20)
    assert result.error_message.endswith("and 5 more")
