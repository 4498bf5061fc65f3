"""The traces client contract, embedded and over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from llmloop.client.local import LocalClient
from llmloop.client.protocols import Client
from llmloop.errors import ValidationError
from llmloop.store.traces import SpanRow, TraceRow
from tests.monitor.otlp_builders import agent_trace, make_request, make_span


def test_ingest_stores_spans_once_and_reports_counts(
    project_client: Client, local_admin: LocalClient
) -> None:
    request = make_request(agent_trace(1))
    first = project_client.traces.ingest(request)
    assert (first.accepted, first.rejected, first.errors) == (3, 0, [])
    again = project_client.traces.ingest(request)
    assert (again.accepted, again.rejected) == (3, 0)
    with local_admin.context.database.session() as session:
        assert len(session.scalars(select(SpanRow)).all()) == 3
        [trace] = session.scalars(select(TraceRow)).all()
    assert trace.span_count == 3
    assert trace.cost_usd == pytest.approx(0.040)


def test_ingest_reports_refused_spans_with_reasons(project_client: Client) -> None:
    bad = make_span(2, 2, name="bad")
    bad.end_time_unix_nano = bad.start_time_unix_nano - 5
    result = project_client.traces.ingest(make_request([make_span(1, 1), bad]))
    assert (result.accepted, result.rejected) == (1, 1)
    assert "ends before it starts" in " ".join(result.errors)


def test_a_request_whose_every_span_is_refused_raises(
    project_client: Client, local_admin: LocalClient
) -> None:
    bad = make_span(1, 1)
    bad.trace_id = bytes(16)
    with pytest.raises(ValidationError, match="all 1 spans of the request were refused"):
        project_client.traces.ingest(make_request([bad]))
    with local_admin.context.database.session() as session:
        assert session.scalars(select(SpanRow)).all() == []


def test_an_empty_request_stores_nothing(project_client: Client) -> None:
    result = project_client.traces.ingest(make_request([]))
    assert (result.accepted, result.rejected) == (0, 0)
