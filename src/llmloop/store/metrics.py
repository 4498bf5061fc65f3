"""Metrics SQL: bucketed aggregates, latency percentiles and mean scores, plus raw samples.

A query reads one range of the ``traces`` summary table (or, grouped by model, of the
``spans`` table's LLM calls joined to their traces) through the ``(project_id, start_time)``
indexes, so its cost grows with the rows in the range, not with the table. Two statements
share one derived table of the rows in range: the measures (window functions rank each group's
latencies and total its counts, tokens and cost; only the rows at the interpolation ranks come
back, see :mod:`llmloop.domain.metrics`) and the scores joined by trace id. Bucket numbers are
integer arithmetic on epoch seconds, which both dialects do alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    Subquery,
    Text,
    and_,
    case,
    cast,
    extract,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from llmloop.domain.metrics import (
    PERCENTILES,
    MetricsDimension,
    MetricsPoint,
    MetricsQuery,
    MetricsResult,
    MetricsUnit,
    Sample,
    SampleSet,
    SamplesQuery,
    ScoreMean,
    interpolate_percentile,
    percentile_ranks,
)
from llmloop.domain.traces import SpanKind, SpanStatus
from llmloop.store.scores import ScoreRow
from llmloop.store.traces import SpanRow, TraceRow

__all__ = ["MetricsRepository"]

_EVAL_TAG_PATTERN = '%"eval"%'  # tags are a JSON list of strings; '"eval"' is the whole tag
_IN_CHUNK = 500  # trace ids per IN (...) list when fetching the scores of samples

_traces = TraceRow.__table__
_spans = SpanRow.__table__
_scores = ScoreRow.__table__

_Key = tuple[Any, ...]


def _not_eval(tags: ColumnElement[Any]) -> ColumnElement[bool]:
    """Rows whose tags do not hold the tag ``eval`` (NULL tags are no tags)."""
    return func.coalesce(cast(tags, Text), "").not_like(_EVAL_TAG_PATTERN)


def _epoch_seconds(moment: ColumnElement[Any], dialect: str) -> ColumnElement[int]:
    """Whole seconds since the epoch of a stored (naive UTC) datetime column."""
    if dialect == "sqlite":
        return cast(func.strftime("%s", moment), Integer)
    return cast(func.floor(extract("epoch", moment)), BigInteger)


@dataclass(frozen=True)
class _Rows:
    """The requests in range as one derived table: bucket, group values and measures."""

    table: Subquery
    dimensions: tuple[str, ...]

    @property
    def keys(self) -> list[ColumnElement[Any]]:
        """The bucket and group columns, in order."""
        columns = self.table.c
        return [columns.bucket, *(columns[f"g_{name}"] for name in self.dimensions)]


def _dimension_columns(model: ColumnElement[Any] | None) -> dict[str, ColumnElement[Any]]:
    columns: dict[str, ColumnElement[Any]] = {
        MetricsDimension.APP: _traces.c.app,
        MetricsDimension.VERSION: _traces.c.app_version,
        MetricsDimension.ENVIRONMENT: _traces.c.environment,
        MetricsDimension.VARIANT: _traces.c.variant,
    }
    if model is not None:
        columns[MetricsDimension.MODEL] = model
    return columns


def _filters(query: MetricsQuery) -> list[ColumnElement[bool]]:
    """The trace-level filters: app, version, environment, variant and evaluation traces."""
    conditions: list[ColumnElement[bool]] = []
    for column, value in (
        (_traces.c.app, query.app),
        (_traces.c.app_version, query.version),
        (_traces.c.environment, query.environment),
        (_traces.c.variant, query.variant),
    ):
        if value is not None:
            conditions.append(column == value)
    if not query.include_eval:
        conditions.append(_not_eval(_traces.c.tags))
    return conditions


class MetricsRepository:
    """Metrics and samples of one project, in the caller's session."""

    def __init__(self, session: Session, project_id: int) -> None:
        self.session = session
        self.project_id = project_id
        self.dialect = session.get_bind().dialect.name

    def query(self, query: MetricsQuery) -> MetricsResult:
        """The points of *query*: one per bucket and group that has requests."""
        rows = self._rows(query)
        measures = self._measures(rows)
        scores = self._scores(rows, distinct=query.unit is MetricsUnit.LLM_SPAN) if measures else {}
        width = query.bucket_seconds
        points = [
            _point(key, aggregate, percentiles, scores.get(key, {}), rows.dimensions, width)
            for key, (aggregate, percentiles) in measures.items()
        ]
        points.sort(key=lambda point: (point.bucket_start, _group_order(point.group)))
        return MetricsResult(
            start=query.start,
            end=query.end,
            bucket=query.bucket,
            bucket_seconds=width,
            group_by=list(query.group_by),
            unit=query.unit,
            include_eval=query.include_eval,
            points=points,
        )

    def _rows(self, query: MetricsQuery) -> _Rows:
        width = query.bucket_seconds
        dimensions = tuple(str(name) for name in query.group_by)
        if query.unit is MetricsUnit.LLM_SPAN:
            span = _spans.c
            source: FromClause = _spans.join(
                _traces,
                and_(_traces.c.project_id == span.project_id, _traces.c.trace_id == span.trace_id),
            )
            epoch = _epoch_seconds(span.start_time, self.dialect)
            unpriced = and_(span.cost_usd.is_(None), func.coalesce(span.total_tokens, 0) > 0)
            columns: dict[str, ColumnElement[Any]] = {
                "trace_id": span.trace_id,
                "latency_ms": span.duration_ms,
                "is_error": case((span.status == SpanStatus.ERROR.value, 1), else_=0),
                "input_tokens": func.coalesce(span.input_tokens, 0),
                "output_tokens": func.coalesce(span.output_tokens, 0),
                "total_tokens": func.coalesce(span.total_tokens, 0),
                "cost_usd": span.cost_usd,
                "is_unpriced": case((unpriced, 1), else_=0),
            }
            where = [
                span.project_id == self.project_id,
                span.start_time >= query.start,
                span.start_time < query.end,
                span.kind == SpanKind.LLM.value,
            ]
            groups = _dimension_columns(span.model)
        else:
            trace = _traces.c
            source = _traces
            epoch = trace.start_ns // 1_000_000_000
            columns = {
                "trace_id": trace.trace_id,
                "latency_ms": trace.duration_ms,
                "is_error": case((trace.status == SpanStatus.ERROR.value, 1), else_=0),
                "input_tokens": trace.input_tokens,
                "output_tokens": trace.output_tokens,
                "total_tokens": trace.total_tokens,
                "cost_usd": trace.cost_usd,
                "is_unpriced": case((trace.unpriced_span_count > 0, 1), else_=0),
            }
            where = [
                trace.project_id == self.project_id,
                trace.start_time >= query.start,
                trace.start_time < query.end,
            ]
            groups = _dimension_columns(None)
        table = (
            select(
                (epoch // width).label("bucket"),
                *(groups[name].label(f"g_{name}") for name in dimensions),
                *(column.label(name) for name, column in columns.items()),
            )
            .select_from(source)
            .where(*where, *_filters(query))
            .subquery("requests")
        )
        return _Rows(table, dimensions)

    def _measures(self, rows: _Rows) -> dict[_Key, tuple[tuple[Any, ...], dict[int, float]]]:
        """Per bucket and group: the aggregates and the latency percentiles, in one pass.

        One statement reads the range once: window functions rank each group's latencies and
        total its measures, and only the rows at the interpolation ranks come back (each with
        its group's totals), a handful per group whatever the number of requests.
        """
        c = rows.table.c
        group = rows.keys

        def total(column: ColumnElement[Any], name: str) -> Any:
            return func.sum(column).over(partition_by=group).label(name)

        ranked = select(
            *group,
            c.latency_ms,
            (func.row_number().over(partition_by=group, order_by=c.latency_ms) - 1).label(
                "latency_rank"
            ),
            func.count().over(partition_by=group).label("group_size"),
            total(c.is_error, "errors"),
            total(c.input_tokens, "input_tokens"),
            total(c.output_tokens, "output_tokens"),
            total(c.total_tokens, "total_tokens"),
            total(c.cost_usd, "cost_usd"),
            total(c.is_unpriced, "unpriced"),
        ).subquery("ranked")
        r = ranked.c
        wanted: list[ColumnElement[bool]] = []
        for percent in PERCENTILES:
            low_rank = ((r.group_size - 1) * percent) // 100
            wanted.extend((r.latency_rank == low_rank, r.latency_rank == low_rank + 1))
        keys = [r.bucket, *(r[f"g_{name}"] for name in rows.dimensions)]
        statement = select(
            *keys,
            r.latency_rank,
            r.latency_ms,
            r.group_size,
            r.errors,
            r.input_tokens,
            r.output_tokens,
            r.total_tokens,
            r.cost_usd,
            r.unpriced,
        ).where(or_(*wanted))
        width = len(keys)
        at_rank: dict[_Key, dict[int, float]] = defaultdict(dict)
        aggregates: dict[_Key, tuple[Any, ...]] = {}
        for row in self.session.execute(statement):
            key = tuple(row[:width])
            rank, latency = row[width : width + 2]
            aggregates[key] = tuple(row[width + 2 :])
            at_rank[key][int(rank)] = float(latency)
        result: dict[_Key, tuple[tuple[Any, ...], dict[int, float]]] = {}
        for key, aggregate in aggregates.items():
            size, values = int(aggregate[0]), at_rank[key]
            percentiles = {}
            for percent in PERCENTILES:
                low, high = percentile_ranks(size, percent)
                percentiles[percent] = interpolate_percentile(
                    size, percent, values[low], values[high]
                )
            result[key] = (aggregate, percentiles)
        return result

    def _scores(self, rows: _Rows, *, distinct: bool) -> dict[_Key, dict[str, ScoreMean]]:
        # A trace's scores count once per bucket and group it has requests in: by model, a
        # trace with three calls to one model does not count its scores three times.
        requests: FromClause = rows.table
        if distinct:
            requests = select(*rows.keys, rows.table.c.trace_id).distinct().subquery("traced")
        c = requests.c
        keys = [c.bucket, *(c[f"g_{name}"] for name in rows.dimensions)]
        score = _scores.c
        statement = (
            select(*keys, score.name, func.sum(score.value), func.count(score.value))
            .select_from(
                requests.join(
                    _scores,
                    and_(score.project_id == self.project_id, score.trace_id == c.trace_id),
                )
            )
            .where(score.value.is_not(None))
            .group_by(*keys, score.name)
        )
        width = len(keys)
        result: dict[_Key, dict[str, ScoreMean]] = defaultdict(dict)
        for row in self.session.execute(statement):
            name, total, count = row[width:]
            result[tuple(row[:width])][str(name)] = ScoreMean(
                mean=float(total) / int(count), count=int(count)
            )
        return result

    def samples(self, query: SamplesQuery) -> SampleSet:
        """The requests of the compared versions or variants, oldest first, up to the limit."""
        trace = _traces.c
        arm = trace.app_version if query.versions else trace.variant
        conditions = [
            trace.project_id == self.project_id,
            trace.app == query.app,
            arm.in_(query.versions or query.variants),
            trace.start_time >= query.start,
            trace.start_time < query.end,
        ]
        if query.environment is not None:
            conditions.append(trace.environment == query.environment)
        if not query.include_eval:
            conditions.append(_not_eval(trace.tags))
        statement: Select[Any] = (
            select(
                trace.trace_id,
                trace.start_time,
                trace.app_version,
                trace.variant,
                trace.environment,
                trace.duration_ms,
                trace.cost_usd,
                trace.unpriced_span_count,
                trace.status,
            )
            .where(*conditions)
            .order_by(trace.start_time, trace.trace_id)
            .limit(query.limit + 1)
        )
        found = self.session.execute(statement).all()
        truncated = len(found) > query.limit
        found = found[: query.limit]
        scores = self._trace_scores(row.trace_id for row in found)
        items = [
            Sample(
                trace_id=row.trace_id,
                start_time=row.start_time,
                version=row.app_version,
                variant=row.variant,
                environment=row.environment,
                latency_ms=row.duration_ms,
                cost_usd=None if row.unpriced_span_count else row.cost_usd,
                status=row.status,
                scores=scores.get(row.trace_id, {}),
            )
            for row in found
        ]
        return SampleSet(items=items, truncated=truncated, limit=query.limit)

    def _trace_scores(self, trace_ids: Iterable[str]) -> dict[str, dict[str, float]]:
        """Per trace and score name, the mean numeric value."""
        ids = list(trace_ids)
        result: dict[str, dict[str, float]] = defaultdict(dict)
        score = _scores.c
        for offset in range(0, len(ids), _IN_CHUNK):
            statement = (
                select(score.trace_id, score.name, func.sum(score.value), func.count(score.value))
                .where(
                    score.project_id == self.project_id,
                    score.trace_id.in_(ids[offset : offset + _IN_CHUNK]),
                    score.value.is_not(None),
                )
                .group_by(score.trace_id, score.name)
            )
            for trace_id, name, total, count in self.session.execute(statement):
                result[str(trace_id)][str(name)] = float(total) / int(count)
        return result


def _point(
    key: _Key,
    aggregate: Sequence[Any],
    percentiles: dict[int, float],
    scores: dict[str, ScoreMean],
    dimensions: tuple[str, ...],
    width: int,
) -> MetricsPoint:
    count, errors, input_tokens, output_tokens, total_tokens, cost, unpriced = aggregate
    return MetricsPoint(
        bucket_start=datetime.fromtimestamp(int(key[0]) * width, UTC),
        group=dict(zip(dimensions, key[1:], strict=True)),
        request_count=int(count),
        error_count=int(errors),
        error_rate=int(errors) / int(count),
        p50_latency_ms=percentiles[50],
        p95_latency_ms=percentiles[95],
        p99_latency_ms=percentiles[99],
        input_tokens=int(input_tokens),
        output_tokens=int(output_tokens),
        total_tokens=int(total_tokens),
        cost_usd=None if cost is None else float(cost),
        unpriced_count=int(unpriced),
        scores=dict(sorted(scores.items())),
    )


def _group_order(group: dict[str, str | None]) -> tuple[tuple[bool, str], ...]:
    return tuple((value is not None, value or "") for value in group.values())
