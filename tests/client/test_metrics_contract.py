"""The metrics client contract, embedded and over HTTP, on SQLite and PostgreSQL.

Every aggregate is checked against values worked out by hand from the traces each test sends.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import numpy
import pytest

from llmloop.client.local import LocalClient
from llmloop.client.protocols import Client
from llmloop.domain.metrics import MetricsPoint, MetricsUnit
from llmloop.domain.projects import Principal
from llmloop.errors import ValidationError
from llmloop.server.run import ServerThread
from llmloop.store.projects import ProjectRepository
from llmloop.store.scores import ScoreRow
from tests.client.metrics_traces import app_trace, send_traces
from tests.monitor.otlp_builders import trace_id

T0 = datetime(2026, 1, 1, tzinfo=UTC)  # the test clock's time
HOUR_MS = 3_600_000
START = T0 - timedelta(hours=3)


def _tid(n: int) -> str:
    return trace_id(n).hex()


def _score(
    local_admin: LocalClient, n: int, name: str, value: float | None, label: str | None = None
) -> None:
    """Store a score straight in the table (the scores API has its own contract tests)."""
    with local_admin.context.database.session() as session:
        project_id = ProjectRepository(session).get_row("default").id
        session.add(
            ScoreRow(
                project_id=project_id,
                score_id=uuid.uuid4().hex,
                trace_id=_tid(n),
                name=name,
                data_type="numeric" if value is not None else "categorical",
                value=value,
                string_value=label,
                source="human",
                metadata_={},
                created_at=T0,
            )
        )


def _hours_fixture(client: Client) -> None:
    """Bucket A = [T0-3h, T0-2h), bucket B = [T0-2h, T0-1h), and rows just outside."""
    a = -3 * HOUR_MS
    send_traces(
        client,
        app_trace(1, at_ms=a, duration_ms=100),  # exactly at start: included
        app_trace(2, at_ms=a + 600_000, duration_ms=200, error=True),
        app_trace(3, at_ms=a + 1_200_000, duration_ms=300),
        app_trace(4, at_ms=a + HOUR_MS - 1, duration_ms=400),  # last ms of bucket A
        app_trace(5, at_ms=a + HOUR_MS, duration_ms=50, calls=[("mystery", None)], tokens=(10, 5)),
        app_trace(6, at_ms=a - 1, duration_ms=70),  # before start: left out
        app_trace(7, at_ms=0, duration_ms=70),  # at end (exclusive): left out
        app_trace(8, at_ms=a + 5, duration_ms=1_000, tags=["eval", "nightly"]),  # evaluation
    )


def test_buckets_and_each_aggregate_match_hand_computed_values(project_client: Client) -> None:
    _hours_fixture(project_client)
    result = project_client.metrics.query(start=START, end=T0, bucket="1h")
    assert (result.unit, result.bucket_seconds, result.include_eval) == (
        MetricsUnit.TRACE,
        3_600,
        False,
    )
    a, b = result.points  # bucket C has no requests and is left out
    assert a.bucket_start == START
    assert b.bucket_start == START + timedelta(hours=1)
    assert (a.request_count, a.error_count, a.error_rate) == (4, 1, 0.25)
    # numpy's default (linear) percentiles of 100, 200, 300, 400
    assert a.p50_latency_ms == pytest.approx(250)
    assert a.p95_latency_ms == pytest.approx(385)
    assert a.p99_latency_ms == pytest.approx(397)
    assert (a.input_tokens, a.output_tokens, a.total_tokens) == (400, 80, 480)
    assert (a.cost_usd, a.unpriced_count) == (1.0, 0)
    assert (b.request_count, b.error_count, b.p50_latency_ms, b.p99_latency_ms) == (1, 0, 50, 50)
    assert (b.input_tokens, b.output_tokens, b.total_tokens) == (10, 5, 15)
    # unknown cost is not zero: nothing priced, one request unpriced
    assert (b.cost_usd, b.unpriced_count) == (None, 1)


def test_eval_traces_count_only_when_asked(project_client: Client) -> None:
    _hours_fixture(project_client)
    a = project_client.metrics.query(start=START, end=T0, include_eval=True).points[0]
    assert a.request_count == 5
    assert a.p99_latency_ms == pytest.approx(400 + 0.96 * 600)
    assert a.cost_usd == 1.25


def test_bucket_widths_align_to_the_epoch(project_client: Client) -> None:
    _hours_fixture(project_client)
    result = project_client.metrics.query(start=START + timedelta(minutes=5), end=T0, bucket="30m")
    # the first bucket starts at the half hour before `start`, but holds only rows in range
    first = result.points[0]
    assert first.bucket_start == START
    assert first.request_count == 2  # traces 2 and 3; trace 1 (at START) is out of range
    assert [point.bucket_start for point in result.points] == [
        START,
        START + timedelta(minutes=30),
        START + timedelta(minutes=60),
    ]
    day = project_client.metrics.query(start=START, end=T0, bucket="1d").points
    assert [(p.bucket_start, p.request_count) for p in day] == [
        (datetime(2025, 12, 31, tzinfo=UTC), 5)
    ]


def test_group_by_and_filters(project_client: Client) -> None:
    base = -2 * HOUR_MS
    send_traces(
        project_client,
        app_trace(1, at_ms=base, duration_ms=100, version="v1", variant="control"),
        app_trace(2, at_ms=base + 1, duration_ms=300, version="v1", variant="control"),
        app_trace(3, at_ms=base + 2, duration_ms=500, version="v2", variant="canary", error=True),
    )
    grouped = project_client.metrics.query(
        start=START, end=T0, bucket="1h", group_by=["version", "variant"]
    )
    summary = [(p.group, p.request_count, p.error_count, p.p50_latency_ms) for p in grouped.points]
    assert summary == [
        ({"version": "v1", "variant": "control"}, 2, 0, 200),
        ({"version": "v2", "variant": "canary"}, 1, 1, 500),
    ]
    filtered = project_client.metrics.query(start=START, end=T0, version="v2", group_by="app")
    assert [(p.group, p.request_count) for p in filtered.points] == [({"app": "support-bot"}, 1)]
    assert project_client.metrics.query(start=START, end=T0, environment="staging").points == []


def test_group_by_model_counts_llm_calls(project_client: Client, local_admin: LocalClient) -> None:
    base = -2 * HOUR_MS
    send_traces(
        project_client,
        # one trace calling gpt-4o twice (10 ms and 20 ms) and claude once (30 ms)
        app_trace(1, at_ms=base, duration_ms=100,
               calls=[("gpt-4o", 0.5), ("gpt-4o", 0.25), ("claude", None)]),
        app_trace(2, at_ms=base + 10, duration_ms=100, calls=[("gpt-4o", 0.125)], error=True),
    )  # fmt: skip
    _score(local_admin, 1, "faithfulness", 0.5)
    _score(local_admin, 2, "faithfulness", 1.0)
    result = project_client.metrics.query(start=START, end=T0, group_by=["model"])
    assert result.unit is MetricsUnit.LLM_SPAN
    by_model = {p.group["model"]: p for p in result.points}
    gpt, claude = by_model["gpt-4o"], by_model["claude"]
    # three gpt-4o calls: 10, 20 (trace 1) and 10 ms (trace 2); span errors, not trace errors
    assert (gpt.request_count, gpt.error_count) == (3, 0)
    assert (gpt.p50_latency_ms, gpt.p99_latency_ms) == (10, pytest.approx(19.8))
    assert (gpt.input_tokens, gpt.total_tokens, gpt.cost_usd) == (300, 360, 0.875)
    assert (claude.request_count, claude.cost_usd, claude.unpriced_count) == (1, None, 1)
    # a trace's score counts once per model group, however many calls it made to that model
    assert gpt.scores["faithfulness"].model_dump() == {"mean": 0.75, "count": 2}
    assert claude.scores["faithfulness"].model_dump() == {"mean": 0.5, "count": 1}


def test_mean_scores_per_name(project_client: Client, local_admin: LocalClient) -> None:
    _hours_fixture(project_client)
    _score(local_admin, 1, "faithfulness", 1.0)
    _score(local_admin, 2, "faithfulness", 0.5)
    _score(local_admin, 2, "thumbs", 0.0)
    _score(local_admin, 3, "tone", None, label="polite")  # categorical: no mean
    _score(local_admin, 8, "faithfulness", 0.0)  # the eval trace: left out by default
    _score(local_admin, 5, "faithfulness", 0.25)  # bucket B
    a, b = project_client.metrics.query(start=START, end=T0).points
    assert {name: s.model_dump() for name, s in a.scores.items()} == {
        "faithfulness": {"mean": 0.75, "count": 2},
        "thumbs": {"mean": 0.0, "count": 1},
    }
    assert b.scores["faithfulness"].mean == 0.25
    with_eval = project_client.metrics.query(start=START, end=T0, include_eval=True).points[0]
    assert with_eval.scores["faithfulness"].model_dump() == {"mean": 0.5, "count": 3}


def test_percentiles_equal_numpys_linear_definition(project_client: Client) -> None:
    rng = random.Random(6)
    durations = [rng.randint(1, 5_000) for _ in range(37)] + [250, 250, 250]
    send_traces(
        project_client,
        *(
            app_trace(n, at_ms=-HOUR_MS + n, duration_ms=duration)
            for n, duration in enumerate(durations, start=1)
        ),
    )
    [point] = project_client.metrics.query(start=T0 - timedelta(hours=1), end=T0).points
    for percent in (50, 95, 99):
        expected = float(numpy.percentile(durations, percent))
        assert getattr(point, f"p{percent}_latency_ms") == pytest.approx(expected, rel=1e-12)


def test_samples_of_two_versions(project_client: Client, local_admin: LocalClient) -> None:
    base = -2 * HOUR_MS
    send_traces(
        project_client,
        app_trace(1, at_ms=base, duration_ms=100, version="v1"),
        app_trace(2, at_ms=base + 1, duration_ms=200, version="v2", error=True),
        app_trace(3, at_ms=base + 2, duration_ms=300, version="v2", calls=[("mystery", None)]),
        app_trace(4, at_ms=base + 3, duration_ms=400, version="v3"),  # not compared
        app_trace(5, at_ms=base + 4, duration_ms=500, version="v1", tags=["eval"]),
    )
    _score(local_admin, 2, "faithfulness", 1.0)
    _score(local_admin, 2, "faithfulness", 0.5)
    samples = project_client.metrics.samples(
        "support-bot", versions=["v1", "v2"], start=START, end=T0
    )
    assert samples.truncated is False
    rows = [
        (s.trace_id, s.version, s.latency_ms, s.cost_usd, s.status, s.scores) for s in samples.items
    ]
    assert rows == [
        (_tid(1), "v1", 100, 0.25, "ok", {}),
        (_tid(2), "v2", 200, 0.25, "error", {"faithfulness": 0.75}),
        (_tid(3), "v2", 300, None, "ok", {}),  # unpriced: unknown, not zero
    ]
    assert samples.items[0].start_time == T0 - timedelta(hours=2)
    limited = project_client.metrics.samples(
        "support-bot", versions="v1,v2", start=START, end=T0, limit=2, include_eval=True
    )
    assert (len(limited.items), limited.truncated) == (2, True)
    everything = project_client.metrics.samples(
        "support-bot", versions=["v1", "v2"], start=START, end=T0, include_eval=True
    )
    assert [s.trace_id for s in everything.items][-1] == _tid(5)


def test_samples_of_two_variants(project_client: Client) -> None:
    send_traces(
        project_client,
        app_trace(1, at_ms=-HOUR_MS, duration_ms=100, variant="control"),
        app_trace(2, at_ms=-HOUR_MS + 1, duration_ms=200, variant="canary"),
        app_trace(3, at_ms=-HOUR_MS + 2, duration_ms=300, variant="other"),
    )
    samples = project_client.metrics.samples("support-bot", variants=["control", "canary"])
    assert [(s.variant, s.latency_ms) for s in samples.items] == [("control", 100), ("canary", 200)]


def test_default_range_is_the_last_24_hours(project_client: Client) -> None:
    send_traces(
        project_client,
        app_trace(1, at_ms=-HOUR_MS, duration_ms=100),
        app_trace(2, at_ms=-25 * HOUR_MS, duration_ms=100),
    )
    result = project_client.metrics.query(bucket="1d")
    assert (result.start, result.end) == (T0 - timedelta(hours=24), T0)
    assert sum(point.request_count for point in result.points) == 1


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"start": T0, "end": START}, "must be before end"),
        ({"start": T0, "end": T0}, "must be before end"),
        ({"start": T0 - timedelta(days=30), "end": T0, "bucket": "1m"}, "bucket: 1m buckets"),
        ({"start": START, "end": T0, "bucket": "1 hour"}, "bucket:"),
        ({"start": START, "end": T0, "group_by": ["app", "user"]}, "group_by"),
        ({"start": START.replace(tzinfo=None), "end": T0}, "start:"),
    ],
)
def test_bad_queries_are_refused_naming_the_field(
    project_client: Client, fields: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        project_client.metrics.query(**fields)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"versions": ["v1"], "variants": ["a"]}, "versions/variants"),
        ({}, "versions/variants"),
        ({"versions": ["v1"], "start": T0, "end": START}, "must be before end"),
        ({"versions": ["v1"], "limit": 0}, "limit"),
    ],
)
def test_bad_samples_queries_are_refused_naming_the_field(
    project_client: Client, fields: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        project_client.metrics.samples("support-bot", **fields)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/metrics", {"app": "support-bot"}),
        ("/api/v1/metrics/samples", {"app": "support-bot", "versions": "v1"}),
    ],
)
def test_unknown_query_parameters_are_refused_by_name(
    server: ServerThread, local_admin: LocalClient, path: str, params: dict[str, str]
) -> None:
    secret = local_admin.keys.create("reader", project="default").secret
    response = httpx2.get(
        server.url + path,
        params={**params, "grop_by": "app", "evil": "1"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert "unknown query parameters: evil, grop_by" in error["message"]


def test_points_are_plain_json(project_client: Client) -> None:
    _hours_fixture(project_client)
    point = project_client.metrics.query(start=START, end=T0).points[0]
    assert isinstance(point, MetricsPoint)
    dumped = point.model_dump(mode="json")
    assert dumped["bucket_start"] == "2025-12-31T21:00:00Z"
    assert dumped["group"] == {}


def test_another_projects_traces_are_invisible(
    project_client: Client, local_admin: LocalClient
) -> None:
    local_admin.projects.create("victim")
    victim = LocalClient(
        local_admin.context.database,
        Principal(actor="local:victim", project="victim", admin=False),
        clock=local_admin.context.clock,
    )
    send_traces(victim, app_trace(1, at_ms=-HOUR_MS, duration_ms=100))
    assert len(victim.metrics.query(start=START, end=T0).points) == 1
    assert project_client.metrics.query(start=START, end=T0).points == []
    samples = project_client.metrics.samples("support-bot", versions=["v1"], start=START, end=T0)
    assert samples.items == []
