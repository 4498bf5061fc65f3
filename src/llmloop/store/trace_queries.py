"""The SQL behind trace listings, trace trees and sessions.

Every listing is one index-led range scan: filters become ``WHERE`` terms on the ``traces``
summary table (whose indexes lead with ``project_id`` and a filter column, then the sort
column), pages are cut with a keyset condition on ``(sort key, trace_id)`` and ``LIMIT n+1``
(the extra row says whether a next page exists). Nothing reads span bodies except the tree of
one trace and the root spans of one session's traces.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    cast,
    func,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from llmloop.domain.clock import utc
from llmloop.domain.scores import Score
from llmloop.domain.trace_queries import (
    MAX_TREE_DEPTH,
    SESSION_MAX_TRACES,
    SessionPage,
    SessionQuery,
    SessionSummary,
    SessionTurn,
    SessionView,
    SortOrder,
    SpanNode,
    TracePage,
    TraceQuery,
    TraceSort,
    TraceSummary,
    TraceTree,
    decode_cursor,
    encode_cursor,
)
from llmloop.errors import NotFoundError, ValidationError
from llmloop.store.scores import ScoreRow, score_from_row
from llmloop.store.traces import SpanRow, TraceRow

__all__ = ["TraceQueryRepository"]

_T = TraceRow
_SORT_COLUMNS = {
    TraceSort.START_TIME: _T.start_time,
    TraceSort.DURATION_MS: _T.duration_ms,
    TraceSort.COST_USD: _T.cost_usd,
}


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains_tag(tag: str) -> ColumnElement[bool]:
    # Tags are a JSON list written compactly by TraceWriter; a quoted element is found in its
    # text on both dialects without a JSON operator either lacks.
    quoted = json.dumps(tag, ensure_ascii=False)
    return cast(_T.tags, Text).like(_like_pattern(quoted), escape="\\")


def _score_exists(query: TraceQuery) -> ColumnElement[bool]:
    terms = [
        ScoreRow.project_id == _T.project_id,
        ScoreRow.trace_id == _T.trace_id,
        ScoreRow.name == query.score_name,
    ]
    if query.score_min is not None:
        terms.append(ScoreRow.value >= query.score_min)
    if query.score_max is not None:
        terms.append(ScoreRow.value <= query.score_max)
    return select(ScoreRow.id).where(*terms).exists()


def _trace_filters(project_id: int, query: TraceQuery) -> list[ColumnElement[bool]]:
    terms = _common_filters(project_id, query.start, query.end)
    equal = {
        _T.app: query.app,
        _T.app_version: query.app_version,
        _T.environment: query.environment,
        _T.variant: query.variant,
        _T.user_id: query.user_id,
        _T.session_id: query.session_id,
        _T.status: None if query.status is None else query.status.value,
    }
    terms += [column == value for column, value in equal.items() if value is not None]
    if query.min_duration_ms is not None:
        terms.append(_T.duration_ms >= query.min_duration_ms)
    if query.max_duration_ms is not None:
        terms.append(_T.duration_ms <= query.max_duration_ms)
    terms += [_contains_tag(tag) for tag in query.tags]
    if query.score_name is not None:
        terms.append(_score_exists(query))
    if query.text is not None:
        pattern = _like_pattern(query.text)
        terms.append(
            _T.input_preview.ilike(pattern, escape="\\")
            | _T.output_preview.ilike(pattern, escape="\\")
        )
    return terms


def _common_filters(
    project_id: int, start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    terms: list[ColumnElement[bool]] = [_T.project_id == project_id]
    if start is not None:
        terms.append(_T.start_time >= start)
    if end is not None:
        terms.append(_T.start_time < end)
    return terms


def _after(column: Any, key: Any, last_id: str, descending: bool) -> ColumnElement[bool]:
    """Rows strictly after ``(key, last_id)`` in the page order."""
    pair, bound = tuple_(column, _T.trace_id), tuple_(key, last_id)
    # The plain bound on the sort column lets both planners seek the index before checking
    # the row comparison.
    if descending:
        return and_(column <= key, pair < bound)
    return and_(column >= key, pair > bound)


def _key_value(sort: TraceSort, row: TraceRow) -> Any:
    if sort is TraceSort.START_TIME:
        return utc(row.start_time).isoformat()
    return getattr(row, sort.value)


def _parse_key(sort: TraceSort, key: Any) -> Any:
    if key is None:
        return None
    try:
        if sort is TraceSort.START_TIME:
            return utc(datetime.fromisoformat(str(key)))
        return float(key)
    except (TypeError, ValueError):
        raise ValidationError(
            "cursor is not a cursor this server made",
            hint="Pass the next_cursor of the previous page unchanged.",
        ) from None


def summary(row: TraceRow) -> TraceSummary:
    """The public summary of a ``traces`` row."""
    return TraceSummary.model_validate(row)


def _node(row: SpanRow, orphan: bool) -> SpanNode:
    return SpanNode(
        span_id=row.span_id,
        parent_span_id=row.parent_span_id,
        orphan=orphan,
        name=row.name,
        kind=row.kind,
        start_time=row.start_time,
        end_time=row.end_time,
        duration_ms=row.duration_ms,
        status=row.status,
        status_message=row.status_message,
        model=row.model,
        provider=row.provider,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        total_tokens=row.total_tokens,
        cache_read_tokens=row.cache_read_tokens,
        cache_write_tokens=row.cache_write_tokens,
        reasoning_tokens=row.reasoning_tokens,
        cost_usd=row.cost_usd,
        input=row.input,
        output=row.output,
        input_truncated=row.input_truncated,
        output_truncated=row.output_truncated,
        attributes=row.attributes,
        events=row.events,
    )


def build_tree(rows: Sequence[SpanRow]) -> tuple[list[SpanNode], int]:
    """Spans (sorted by start time) as root nodes and the number of orphans among them.

    A span whose parent never arrived is an orphan, shown at the root. Spans that only reach
    each other through a parent cycle (malformed input) are shown at the root as orphans too,
    so every stored span appears exactly once.
    """
    known = {row.span_id for row in rows}
    children: dict[str, list[SpanRow]] = {}
    tops: list[tuple[SpanRow, bool]] = []
    for row in rows:
        parent = row.parent_span_id
        if parent is None or parent == row.span_id:
            tops.append((row, parent is not None))
        elif parent not in known:
            tops.append((row, True))
        else:
            children.setdefault(parent, []).append(row)
    placed: set[str] = set()
    roots = [_attach(row, orphan, children, placed) for row, orphan in tops]
    for row in rows:
        if row.span_id not in placed:
            roots.append(_attach(row, True, children, placed))
    roots.sort(key=lambda node: (node.start_time, node.span_id))
    return roots, sum(1 for node in roots if node.orphan)


def _attach(
    row: SpanRow, orphan: bool, children: dict[str, list[SpanRow]], placed: set[str]
) -> SpanNode:
    # Iterative, so that a very deep agent trace cannot exhaust Python's recursion limit;
    # below MAX_TREE_DEPTH, descendants hang from their ancestor at that depth, because JSON
    # readers (pydantic's among them) refuse documents nested much deeper.
    top = _node(row, orphan)
    placed.add(row.span_id)
    stack: list[tuple[SpanNode, int, SpanNode]] = [(top, 1, top)]
    capped: dict[int, SpanNode] = {}
    while stack:
        node, depth, holder = stack.pop()
        for child in children.get(node.span_id, ()):
            if child.span_id in placed:
                continue
            placed.add(child.span_id)
            child_node = _node(child, False)
            holder.children.append(child_node)
            if depth + 1 < MAX_TREE_DEPTH:
                stack.append((child_node, depth + 1, child_node))
            else:
                capped[id(holder)] = holder
                stack.append((child_node, depth + 1, holder))
    for holder in capped.values():
        holder.children.sort(key=lambda node: (node.start_time, node.span_id))
    return top


class TraceQueryRepository:
    """Reads traces, trace trees and sessions of one project."""

    def __init__(self, session: Session, project_id: int) -> None:
        self.session = session
        self.project_id = project_id

    def list(self, query: TraceQuery) -> TracePage:
        """One page of traces matching *query* (checked by the caller), in its order."""
        fingerprint = query.fingerprint()
        after: tuple[Any, str] | None = None
        if query.cursor is not None:
            key, last_id = decode_cursor(query.cursor, fingerprint)
            after = (_parse_key(query.sort, key), last_id)
        terms = _trace_filters(self.project_id, query)
        rows = self._page(query, terms, after)
        has_more = len(rows) > query.limit
        rows = rows[: query.limit]
        next_cursor = None
        if has_more:
            last = rows[-1]
            next_cursor = encode_cursor(_key_value(query.sort, last), last.trace_id, fingerprint)
        return TracePage(items=[summary(row) for row in rows], next_cursor=next_cursor)

    def _page(
        self, query: TraceQuery, terms: builtins.list[ColumnElement[bool]], after: Any
    ) -> builtins.list[TraceRow]:
        column = _SORT_COLUMNS[query.sort]
        descending = query.order is SortOrder.DESC
        wanted = query.limit + 1
        rows: builtins.list[TraceRow] = []
        nullable = query.sort is TraceSort.COST_USD
        # Traces with no known cost come after all priced ones in either order, read by a
        # second scan, so each scan stays a plain index range.
        in_null_part = nullable and after is not None and after[0] is None
        if not in_null_part:
            where = list(terms)
            if nullable:
                where.append(column.is_not(None))
            if after is not None:
                where.append(_after(column, after[0], after[1], descending))
            rows = self._select(where, (column, _T.trace_id), descending, wanted)
        if nullable and len(rows) < wanted:
            where = [*terms, column.is_(None)]
            if in_null_part:
                assert after is not None
                where.append(_T.trace_id < after[1] if descending else _T.trace_id > after[1])
            rows += self._select(where, (_T.trace_id,), descending, wanted - len(rows))
        return rows

    def _select(
        self,
        where: builtins.list[ColumnElement[bool]],
        order: tuple[Any, ...],
        descending: bool,
        limit: int,
    ) -> builtins.list[TraceRow]:
        statement = (
            select(TraceRow)
            .where(*where)
            .order_by(*(column.desc() if descending else column.asc() for column in order))
            .limit(limit)
        )
        return builtins.list(self.session.scalars(statement))

    def trace_row(self, trace_id: str) -> TraceRow:
        """The summary row of one trace; ``NotFoundError`` when it was never ingested."""
        row = self.session.scalars(
            select(TraceRow).where(_T.project_id == self.project_id, _T.trace_id == trace_id)
        ).one_or_none()
        if row is None:
            raise NotFoundError(
                f"trace {trace_id!r} does not exist in this project",
                hint="List traces with `llmloop traces list`; spans may still be on their way.",
            )
        return row

    def tree(self, trace_id: str) -> TraceTree:
        """One trace with its spans as a tree and its scores."""
        row = self.trace_row(trace_id)
        spans = self.session.scalars(
            select(SpanRow)
            .where(SpanRow.project_id == self.project_id, SpanRow.trace_id == trace_id)
            .order_by(SpanRow.start_time, SpanRow.span_id)
        ).all()
        roots, orphans = build_tree(spans)
        scores = self.scores([trace_id]).get(trace_id, [])
        return TraceTree(trace=summary(row), spans=roots, orphan_count=orphans, scores=scores)

    def scores(self, trace_ids: Iterable[str]) -> dict[str, builtins.list[Score]]:
        """The scores of each trace, oldest first."""
        ids = builtins.list(trace_ids)
        found: dict[str, builtins.list[Score]] = {}
        if not ids:
            return found
        rows = self.session.scalars(
            select(ScoreRow)
            .where(ScoreRow.project_id == self.project_id, ScoreRow.trace_id.in_(ids))
            .order_by(ScoreRow.created_at, ScoreRow.id)
        )
        for row in rows:
            found.setdefault(row.trace_id, []).append(score_from_row(row))
        return found

    # Sessions ---------------------------------------------------------------------------

    def sessions(self, query: SessionQuery) -> SessionPage:
        """One page of sessions, most recently active first."""
        fingerprint = query.fingerprint()
        statement = self._session_groups(query)
        last_time = func.max(_T.end_time)
        if query.cursor is not None:
            key, last_id = decode_cursor(query.cursor, fingerprint)
            bound = _parse_key(TraceSort.START_TIME, key)
            statement = statement.having(tuple_(last_time, _T.session_id) < tuple_(bound, last_id))
        statement = statement.order_by(last_time.desc(), _T.session_id.desc()).limit(
            query.limit + 1
        )
        groups = self.session.execute(statement).all()
        has_more = len(groups) > query.limit
        groups = groups[: query.limit]
        users = self._session_users(query, [group.session_id for group in groups])
        items = [_session_summary(group, users.get(group.session_id, [])) for group in groups]
        next_cursor = None
        if has_more:
            last = items[-1]
            next_cursor = encode_cursor(
                utc(last.last_time).isoformat(), last.session_id, fingerprint
            )
        return SessionPage(items=items, next_cursor=next_cursor)

    def _session_terms(self, query: SessionQuery) -> builtins.list[ColumnElement[bool]]:
        terms = _common_filters(self.project_id, query.start, query.end)
        terms.append(_T.session_id.is_not(None))
        equal = {_T.app: query.app, _T.environment: query.environment, _T.user_id: query.user_id}
        terms += [column == value for column, value in equal.items() if value is not None]
        return terms

    def _session_groups(self, query: SessionQuery) -> Select[*tuple[Any, ...]]:
        statement: Select[*tuple[Any, ...]] = (
            select(
                _T.session_id,
                func.min(_T.start_time).label("first_time"),
                func.max(_T.end_time).label("last_time"),
                func.count().label("trace_count"),
                func.sum(case((_T.status == "error", 1), else_=0)).label("error_count"),
                func.sum(_T.total_tokens).label("total_tokens"),
                func.sum(_T.cost_usd).label("cost_usd"),
            )
            .where(*self._session_terms(query))
            .group_by(_T.session_id)
        )
        return statement

    def _session_users(
        self, query: SessionQuery, session_ids: builtins.list[str]
    ) -> dict[str, builtins.list[str]]:
        if not session_ids:
            return {}
        rows = self.session.execute(
            select(_T.session_id, _T.user_id)
            .where(*self._session_terms(query), _T.session_id.in_(session_ids))
            .where(_T.user_id.is_not(None))
            .distinct()
            .order_by(_T.session_id, _T.user_id)
        )
        users: dict[str, builtins.list[str]] = {}
        for session_id, user_id in rows:
            users.setdefault(str(session_id), []).append(str(user_id))
        return users

    def session_view(self, session_id: str) -> SessionView:
        """One session as a conversation: its traces in time order, with root input/output."""
        groups = self.session.execute(
            self._session_groups(SessionQuery()).where(_T.session_id == session_id)
        ).all()
        if not groups:
            raise NotFoundError(
                f"session {session_id!r} does not exist in this project",
                hint="List sessions with `llmloop sessions list`.",
            )
        users = self._session_users(SessionQuery(), [session_id]).get(session_id, [])
        rows = builtins.list(
            self.session.scalars(
                select(TraceRow)
                .where(_T.project_id == self.project_id, _T.session_id == session_id)
                .order_by(_T.start_time, _T.trace_id)
                .limit(SESSION_MAX_TRACES + 1)
            )
        )
        more = len(rows) > SESSION_MAX_TRACES
        rows = rows[:SESSION_MAX_TRACES]
        ids = [row.trace_id for row in rows]
        texts = self._root_texts(ids)
        scores = self.scores(ids)
        turns = [
            SessionTurn(
                trace=summary(row),
                input=texts.get(row.trace_id, (row.input_preview, None))[0],
                output=texts.get(row.trace_id, (None, row.output_preview))[1],
                scores=scores.get(row.trace_id, []),
            )
            for row in rows
        ]
        return SessionView(session=_session_summary(groups[0], users), turns=turns, more_turns=more)

    def _root_texts(
        self, trace_ids: builtins.list[str]
    ) -> dict[str, tuple[str | None, str | None]]:
        texts: dict[str, tuple[str | None, str | None]] = {}
        for chunk_start in range(0, len(trace_ids), 500):
            chunk = trace_ids[chunk_start : chunk_start + 500]
            rows = self.session.execute(
                select(SpanRow.trace_id, SpanRow.input, SpanRow.output)
                .where(
                    SpanRow.project_id == self.project_id,
                    SpanRow.trace_id.in_(chunk),
                    SpanRow.parent_span_id.is_(None),
                )
                .order_by(SpanRow.start_time.desc())
            )
            for trace_id, text_in, text_out in rows:
                # The earliest root wins when a trace has several.
                texts[trace_id] = (text_in, text_out)
        return texts


def _session_summary(group: Any, users: builtins.list[str]) -> SessionSummary:
    return SessionSummary(
        session_id=group.session_id,
        first_time=utc(group.first_time),
        last_time=utc(group.last_time),
        trace_count=int(group.trace_count),
        error_count=int(group.error_count or 0),
        total_tokens=int(group.total_tokens or 0),
        cost_usd=None if group.cost_usd is None else float(group.cost_usd),
        users=users,
    )
