"""The SDK into the real store: embedded (``traces.ingest``) and through a real server's
``/v1/traces``, on SQLite and PostgreSQL, with the openai and anthropic SDKs instrumented."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import anthropic
import openai
import pytest
from sqlalchemy import select

import llmloop
from llmloop.client.local import LocalClient
from llmloop.domain.clock import ManualClock
from llmloop.sdk.exporter import RetryPolicy
from llmloop.server.app import create_app
from llmloop.server.run import ServerThread
from llmloop.settings import Settings
from llmloop.store.database import Database
from llmloop.store.traces import SpanRow, TraceRow
from tests.sdk.fakes import FakeAnthropic, FakeOpenAI

FAST_RETRY = RetryPolicy(initial_backoff_s=0.01, max_backoff_s=0.05, give_up_after_s=60)


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def instrumented() -> Iterator[None]:
    llmloop.instrument()
    yield
    llmloop.uninstrument()


def _spans(database: Database) -> list[SpanRow]:
    with database.session() as session:
        rows = list(session.scalars(select(SpanRow).order_by(SpanRow.start_time)))
        session.expunge_all()
    return rows


def _trace(database: Database) -> TraceRow:
    with database.session() as session:
        (row,) = session.scalars(select(TraceRow))
        session.expunge(row)
    return row


@pytest.mark.usefixtures("instrumented")
def test_embedded_openai_trace_shows_model_tokens_and_cost(
    local_admin: LocalClient, database: Database, fake_openai: FakeOpenAI
) -> None:
    llmloop.configure(
        client=local_admin,
        app="support-bot",
        environment="production",
        clock=local_admin.context.clock,
    )
    client = openai.OpenAI(
        api_key="sk-test", base_url=fake_openai.url + "/v1", max_retries=0, timeout=10
    )

    @llmloop.observe(name="answer", kind="agent")
    def answer(question: str) -> str:
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
        )
        return reply.choices[0].message.content or ""

    with llmloop.context(user_id="u-7", session_id="s-1"):
        assert answer("ping?") == "pong"
    result = llmloop.flush(20)
    assert (result.sent, result.failed, result.dropped) == (2, 0, 0)

    spans = {row.name: row for row in _spans(database)}
    root, llm = spans["answer"], spans["openai.chat.completions"]
    assert root.kind == "agent"
    assert llm.parent_span_id == root.span_id
    assert (llm.kind, llm.model, llm.provider) == ("llm", "gpt-4o-mini", "openai")
    assert (llm.input_tokens, llm.output_tokens) == (30, 12)
    assert (llm.cache_read_tokens, llm.reasoning_tokens) == (10, 4)
    assert llm.cost_usd is not None
    assert llm.cost_usd > 0
    assert llm.output == "pong"
    trace = _trace(database)
    assert (trace.app, trace.environment, trace.user_id, trace.session_id) == (
        "support-bot",
        "production",
        "u-7",
        "s-1",
    )
    assert trace.cost_usd == pytest.approx(llm.cost_usd)


@pytest.mark.usefixtures("instrumented")
def test_server_anthropic_stream_trace_shows_model_tokens_and_cost(
    server: ServerThread,
    local_admin: LocalClient,
    database: Database,
    clock: ManualClock,
    fake_anthropic: FakeAnthropic,
) -> None:
    secret = local_admin.keys.create("sdk", project="default").secret
    llmloop.configure(server_url=server.url, api_key=secret, clock=clock)
    client = anthropic.Anthropic(
        api_key="k", base_url=fake_anthropic.url, max_retries=0, open_telemetry=False
    )
    with client.messages.stream(
        model="claude-sonnet-4-20250514",
        max_tokens=64,
        messages=[{"role": "user", "content": "ping"}],
    ) as stream:
        assert "".join(stream.text_stream) == "pong"
    assert llmloop.flush(20).sent == 1

    (llm,) = _spans(database)
    assert llm.model == "claude-sonnet-4-20250514"
    assert (llm.input_tokens, llm.output_tokens) == (125, 9)
    assert (llm.cache_read_tokens, llm.cache_write_tokens) == (100, 5)
    assert llm.cost_usd is not None
    assert llm.cost_usd > 0
    assert llm.attributes["llmloop.time_to_first_token_ms"] >= 0


def test_a_wrong_key_fails_the_spans_and_never_raises(
    server: ServerThread, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="llmloop.sdk")
    llmloop.configure(server_url=server.url, api_key="llk_not_a_key", clock=clock)
    with llmloop.span("unauthorised"):
        pass
    result = llmloop.flush(20)
    assert (result.sent, result.failed) == (0, 1)
    assert "llk_not_a_key" not in caplog.text
    refusals = [r for r in caplog.records if "refused the API key" in r.getMessage()]
    assert len(refusals) == 1


def test_server_outage_loses_nothing_that_fitted_the_queue(
    settings: Settings,
    database: Database,
    clock: ManualClock,
    local_admin: LocalClient,
) -> None:
    secret = local_admin.keys.create("sdk", project="default").secret
    first = ServerThread(create_app(settings, database=database, clock=clock)).start()
    port = urlsplit(first.url).port
    assert port is not None
    llmloop.configure(
        server_url=first.url,
        api_key=secret,
        max_queue_spans=20,
        max_batch_spans=5,
        retry=FAST_RETRY,
        clock=clock,
    )

    @llmloop.observe(name="handle")
    def handle(i: int) -> int:
        return i + 1

    handle(0)
    assert llmloop.flush(20).sent == 1
    first.stop()  # the server goes down; the application keeps serving

    assert [handle(i) for i in range(60)] == list(range(1, 61))
    during = llmloop.flush(0.05)
    assert during.sent == 0
    second = ServerThread(create_app(settings, database=database, clock=clock), port=port)
    second.start()
    try:
        after = llmloop.flush(30)
    finally:
        second.stop()
    assert after.complete
    sent, dropped = during.sent + after.sent, during.dropped + after.dropped
    assert sent + dropped == 60
    assert dropped > 0
    assert during.failed + after.failed == 0
    stored = _spans(database)
    assert len(stored) == 1 + sent  # every span that fitted arrived, exactly once
    assert len({row.span_id for row in stored}) == len(stored)
