"""The trace query contract (list, tree, sessions), embedded and over HTTP, on both dialects."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from llmloop.client.local import LocalClient
from llmloop.client.protocols import Client
from llmloop.domain.projects import Principal
from llmloop.domain.trace_queries import (
    MAX_TREE_DEPTH,
    SessionQuery,
    SortOrder,
    TraceQuery,
    TraceSort,
    TraceStatus,
    parse_query,
)
from llmloop.errors import NotFoundError, ValidationError
from llmloop.store.scores import ScoreRow
from tests.monitor.otlp_builders import (
    LLM_ATTRIBUTES,
    make_request,
    make_span,
    trace_id,
)

TRACES = 12
_TIES = (3, 4, 5)  # these traces start at the same instant
_SAME_DURATION = (6, 7)


def _start_ms(i: int) -> float:
    return 3_000.0 if i in _TIES else i * 1_000.0


def _duration_ms(i: int) -> float:
    return 500.0 if i in _SAME_DURATION else 100.0 + i * 10


def _tags(i: int) -> list[str]:
    if i == 9:
        return ["eval", "smoke"]
    return ["eval"] if i % 3 == 0 else []


def _trace(i: int) -> list[Any]:
    """Trace number *i*: a root with every filterable attribute, and an LLM call when even."""
    root = make_span(
        i,
        i * 10,
        name=f"turn-{i}",
        start_ms=_start_ms(i),
        duration_ms=_duration_ms(i),
        error=i % 5 == 0,
        attributes={
            "llmloop.kind": "chain",
            "llmloop.app": "support-bot" if i % 2 == 0 else "search-bot",
            "llmloop.app_version": f"v{i % 3}",
            "llmloop.environment": "production" if i < 8 else "staging",
            "llmloop.variant": "canary" if i % 4 == 0 else "baseline",
            "llmloop.session_id": f"s-{i // 4}",
            "llmloop.user_id": f"u-{i % 3}",
            "llmloop.tags": _tags(i),
            "input.value": f"Question {i}: how do I change my "
            + ("PASSWORD?" if i % 2 else "plan?"),
            "output.value": f"Answer {i}",
        },
    )
    spans = [root]
    if i % 2 == 0:
        spans.append(
            make_span(
                i,
                i * 10 + 1,
                parent=i * 10,
                name="chat gpt-4o",
                start_ms=_start_ms(i) + 1,
                duration_ms=20,
                attributes={**LLM_ATTRIBUTES, "gen_ai.usage.output_tokens": 2_000 + i},
            )
        )
    return spans


def _hex(i: int) -> str:
    return trace_id(i).hex()


def _add_score(local: LocalClient, i: int, name: str, value: float | None) -> None:
    with local.context.database.session() as session:
        project_id = local.context.project_id(session)
        session.add(
            ScoreRow(
                project_id=project_id,
                score_id=uuid.uuid4().hex,
                trace_id=_hex(i),
                span_id=None,
                name=name,
                data_type="numeric" if value is not None else "categorical",
                value=value,
                string_value=None if value is not None else "good",
                source="human",
                comment=None,
                author="local:test",
                idempotency_key=None,
                metadata_={},
                created_at=local.context.now() + timedelta(seconds=i),
            )
        )


@pytest.fixture
def loaded(local_admin: LocalClient) -> LocalClient:
    """Project 'default' with TRACES traces and a few scores."""
    spans = [span for i in range(TRACES) for span in _trace(i)]
    local_admin.traces.ingest(make_request(spans))
    for i, value in ((1, 0.9), (2, 0.4), (4, 0.75), (7, 0.1)):
        _add_score(local_admin, i, "faithfulness", value)
    _add_score(local_admin, 3, "tone", None)
    return local_admin


def _ids(client: Client, **filters: Any) -> list[str]:
    return [item.trace_id for item in client.traces.list(TraceQuery(**filters)).items]


def _all_pages(client: Client, query: TraceQuery) -> list[str]:
    seen: list[str] = []
    page = client.traces.list(query)
    pages = 1
    while True:
        seen += [item.trace_id for item in page.items]
        if page.next_cursor is None:
            return seen
        page = client.traces.list(query.model_copy(update={"cursor": page.next_cursor}))
        pages += 1
        assert pages <= TRACES + 1


def _t(ms: float) -> Any:
    from llmloop.domain.clock import ManualClock

    return ManualClock().now() + timedelta(milliseconds=ms)


def test_default_list_is_newest_first(loaded: LocalClient, project_client: Client) -> None:
    page = project_client.traces.list()
    assert len(page.items) == TRACES
    assert page.next_cursor is None
    starts = [item.start_time for item in page.items]
    assert starts == sorted(starts, reverse=True)
    first = page.items[0]
    assert first.trace_id == _hex(11)
    assert (first.app, first.app_version, first.environment) == ("search-bot", "v2", "staging")
    assert first.input_preview is not None
    assert first.input_preview.startswith("Question 11")


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"app": "support-bot"}, [i for i in range(TRACES) if i % 2 == 0]),
        ({"app": "support-bot", "app_version": "v0"}, [0, 6]),
        ({"environment": "staging"}, [8, 9, 10, 11]),
        ({"variant": "canary"}, [0, 4, 8]),
        ({"status": TraceStatus.ERROR}, [0, 5, 10]),
        ({"status": TraceStatus.OK}, [1, 2, 3, 4, 6, 7, 8, 9, 11]),
        ({"user_id": "u-1"}, [1, 4, 7, 10]),
        ({"session_id": "s-2"}, [8, 9, 10, 11]),
        ({"tags": ["eval"]}, [0, 3, 6, 9]),
        ({"tags": ["eval", "smoke"]}, [9]),
        ({"tags": ["smok"]}, []),
        ({"min_duration_ms": 190}, [6, 7, 9, 10, 11]),
        ({"max_duration_ms": 120, "min_duration_ms": 110}, [1, 2]),
        ({"score_name": "faithfulness"}, [1, 2, 4, 7]),
        ({"score_name": "faithfulness", "score_min": 0.5}, [1, 4]),
        ({"score_name": "faithfulness", "score_max": 0.5}, [2, 7]),
        ({"score_name": "faithfulness", "score_min": 0.3, "score_max": 0.8}, [2, 4]),
        ({"score_name": "tone"}, [3]),
        ({"text": "password"}, [1, 3, 5, 7, 9, 11]),
        ({"text": "ANSWER 1"}, [1, 10, 11]),
        ({"text": "100%"}, []),
        ({"start": _t(2_000), "end": _t(5_000)}, [2, 3, 4, 5]),
        ({"app": "search-bot", "environment": "production", "start": _t(3_000)}, [3, 5, 7]),
    ],
)
def test_each_filter_selects_exactly_its_traces(
    loaded: LocalClient, project_client: Client, filters: dict[str, Any], expected: list[int]
) -> None:
    assert sorted(_ids(project_client, **filters)) == sorted(_hex(i) for i in expected)


@pytest.mark.parametrize("sort", list(TraceSort))
@pytest.mark.parametrize("order", list(SortOrder))
@pytest.mark.parametrize("limit", [1, 2, 5])
def test_pages_cover_every_trace_once_in_order(
    loaded: LocalClient, project_client: Client, sort: TraceSort, order: SortOrder, limit: int
) -> None:
    everything = project_client.traces.list(TraceQuery(sort=sort, order=order, limit=500)).items
    paged = _all_pages(project_client, TraceQuery(sort=sort, order=order, limit=limit))
    assert paged == [item.trace_id for item in everything]
    assert sorted(paged) == sorted(_hex(i) for i in range(TRACES))
    if sort is TraceSort.COST_USD:
        # Priced traces in order, unpriced ones (cost unknown) after them in either order.
        costs = [item.cost_usd for item in everything]
        priced = [cost for cost in costs if cost is not None]
        assert costs[: len(priced)] == priced
        assert priced == sorted(priced, reverse=order is SortOrder.DESC)
        assert len(priced) == 6
    else:
        keys = [getattr(item, sort.value) for item in everything]
        assert keys == sorted(keys, reverse=order is SortOrder.DESC)


def test_pages_with_a_filter_and_ties(loaded: LocalClient, project_client: Client) -> None:
    query = TraceQuery(start=_t(3_000), end=_t(3_001), limit=1, order=SortOrder.ASC)
    assert _all_pages(project_client, query) == sorted(_hex(i) for i in _TIES)


def test_a_cursor_with_another_query_is_refused(
    loaded: LocalClient, project_client: Client
) -> None:
    page = project_client.traces.list(TraceQuery(app="support-bot", limit=2))
    assert page.next_cursor is not None
    with pytest.raises(ValidationError, match="cursor"):
        project_client.traces.list(TraceQuery(app="search-bot", cursor=page.next_cursor))
    with pytest.raises(ValidationError, match="cursor"):
        project_client.traces.list(
            TraceQuery(app="support-bot", sort=TraceSort.DURATION_MS, cursor=page.next_cursor)
        )
    with pytest.raises(ValidationError, match="cursor"):
        project_client.traces.list(TraceQuery(cursor="not-a-cursor"))
    # Only the page size may change between pages.
    more = project_client.traces.list(
        TraceQuery(app="support-bot", limit=10, cursor=page.next_cursor)
    )
    assert len(more.items) == 4


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        ({"start": _t(5_000), "end": _t(5_000)}, "start"),
        ({"min_duration_ms": 10, "max_duration_ms": 5}, "min_duration_ms"),
        ({"score_min": 0.5}, "score_name"),
        ({"score_name": "x", "score_min": 2, "score_max": 1}, "score_min"),
    ],
)
def test_contradictory_filters_are_refused(
    loaded: LocalClient, project_client: Client, filters: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        project_client.traces.list(TraceQuery(**filters))
    with pytest.raises(ValidationError, match="start"):
        project_client.traces.sessions(SessionQuery(start=_t(5), end=_t(1)))


def test_unknown_filter_fields_are_named() -> None:
    with pytest.raises(ValidationError, match="colour: is not a filter here"):
        parse_query(TraceQuery, {"app": "x", "colour": "red"})
    with pytest.raises(ValidationError, match="limit"):
        parse_query(TraceQuery, {"limit": 501})
    assert parse_query(SessionQuery, {"user_id": "u-1"}).user_id == "u-1"


def test_trace_tree_nests_children_flags_orphans_and_carries_scores(
    loaded: LocalClient, project_client: Client
) -> None:
    spans = [
        make_span(50, 500, name="agent", duration_ms=300, attributes={"llmloop.kind": "agent"}),
        make_span(50, 502, parent=500, name="second", start_ms=100, duration_ms=50),
        make_span(50, 501, parent=500, name="first", start_ms=10, duration_ms=50),
        make_span(
            50, 503, parent=501, name="llm", start_ms=20, duration_ms=5, attributes=LLM_ATTRIBUTES
        ),
        make_span(50, 504, parent=999, name="lost child", start_ms=200, duration_ms=5),
    ]
    loaded.traces.ingest(make_request(spans))
    _add_score(loaded, 50, "faithfulness", 0.8)
    tree = project_client.traces.get(_hex(50))
    assert tree.trace.span_count == 5
    assert [node.name for node in tree.spans] == ["agent", "lost child"]
    assert [node.orphan for node in tree.spans] == [False, True]
    assert tree.orphan_count == 1
    agent = tree.spans[0]
    assert [child.name for child in agent.children] == ["first", "second"]
    [llm] = agent.children[0].children
    assert (llm.model, llm.input_tokens, llm.cost_usd) == ("gpt-4o", 10_000, pytest.approx(0.04))
    assert llm.attributes["gen_ai.request.model"] == "gpt-4o"
    assert [(score.name, score.value) for score in tree.scores] == [("faithfulness", 0.8)]


def test_unknown_or_malformed_trace_ids(loaded: LocalClient, project_client: Client) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        project_client.traces.get("f" * 32)
    with pytest.raises(ValidationError, match="trace_id"):
        project_client.traces.get("not-hex")
    assert project_client.traces.get(_hex(1).upper()).trace.trace_id == _hex(1)


def test_sessions_list_and_pages(loaded: LocalClient, project_client: Client) -> None:
    page = project_client.traces.sessions()
    assert [item.session_id for item in page.items] == ["s-2", "s-1", "s-0"]
    s0 = page.items[2]
    assert (s0.trace_count, s0.error_count, s0.users) == (4, 1, ["u-0", "u-1", "u-2"])
    assert s0.cost_usd == pytest.approx(0.04 * 2, rel=1e-3)
    assert s0.first_time == _t(0)
    paged: list[str] = []
    query = SessionQuery(limit=1)
    while True:
        one = project_client.traces.sessions(query)
        paged += [item.session_id for item in one.items]
        if one.next_cursor is None:
            break
        query = query.model_copy(update={"cursor": one.next_cursor})
    assert paged == ["s-2", "s-1", "s-0"]
    filtered = project_client.traces.sessions(SessionQuery(environment="staging"))
    assert [item.session_id for item in filtered.items] == ["s-2"]
    with pytest.raises(ValidationError, match="cursor"):
        project_client.traces.sessions(SessionQuery(user_id="u-1", cursor=page.next_cursor or "x"))


def test_session_view_is_a_conversation(loaded: LocalClient, project_client: Client) -> None:
    view = project_client.traces.session("s-1")
    assert [turn.trace.trace_id for turn in view.turns] == [_hex(i) for i in (4, 5, 6, 7)]
    assert view.turns[0].input == "Question 4: how do I change my plan?"
    assert view.turns[0].output == "Answer 4"
    assert [score.value for score in view.turns[0].scores] == [0.75]
    assert view.session.trace_count == 4
    assert view.more_turns is False
    with pytest.raises(NotFoundError, match="session"):
        project_client.traces.session("nobody")


def test_another_project_sees_none_of_it(loaded: LocalClient) -> None:
    loaded.projects.create("other")
    other = LocalClient(
        loaded.context.database,
        Principal(actor="local:other", project="other", admin=False),
        clock=loaded.context.clock,
    )
    assert other.traces.list().items == []
    assert other.traces.sessions().items == []
    with pytest.raises(NotFoundError):
        other.traces.get(_hex(1))
    with pytest.raises(NotFoundError):
        other.traces.session("s-1")


def test_a_very_deep_trace_is_capped_at_max_tree_depth(
    local_admin: LocalClient, project_client: Client
) -> None:
    depth = MAX_TREE_DEPTH + 10
    chain = [
        make_span(60, 600 + n, parent=600 + n - 1 if n else None, start_ms=n, duration_ms=1000 - n)
        for n in range(depth)
    ]
    local_admin.traces.ingest(make_request(chain))
    tree = project_client.traces.get(_hex(60))
    node, levels = tree.spans[0], 1
    while len(node.children) == 1:
        node, levels = node.children[0], levels + 1
    assert levels == MAX_TREE_DEPTH - 1
    # The deepest level holds every span from there down, in start order, parents named.
    assert len(node.children) == depth - levels
    starts = [child.start_time for child in node.children]
    assert starts == sorted(starts)
    assert node.children[1].parent_span_id == node.children[0].span_id
