"""Metrics in the embedded store: bucketed aggregates and raw samples of the project's traces."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from llmloop.client.local.context import LocalContext
from llmloop.domain.metrics import MetricsResult, SampleSet, metrics_query, samples_query
from llmloop.store.metrics import MetricsRepository

__all__ = ["LocalMetrics"]


class LocalMetrics:
    """``MetricsClient`` over the embedded store."""

    def __init__(self, context: LocalContext) -> None:
        self._ctx = context

    def query(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        bucket: str = "1h",
        group_by: str | Sequence[str] = (),
        app: str | None = None,
        version: str | None = None,
        environment: str | None = None,
        variant: str | None = None,
        include_eval: bool = False,
    ) -> MetricsResult:
        """Request metrics per bucket (and group) over ``[start, end)``; default the last 24h."""
        query = metrics_query(
            {
                "start": start,
                "end": end,
                "bucket": bucket,
                "group_by": group_by,
                "app": app,
                "version": version,
                "environment": environment,
                "variant": variant,
                "include_eval": include_eval,
            },
            now=self._ctx.now(),
        )
        with self._ctx.database.session() as session:
            return MetricsRepository(session, self._ctx.project_id(session)).query(query)

    def samples(
        self,
        app: str,
        *,
        versions: Sequence[str] = (),
        variants: Sequence[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        environment: str | None = None,
        include_eval: bool = False,
        limit: int = 1_000,
    ) -> SampleSet:
        """The raw requests of two versions (or variants) of *app*, oldest first."""
        query = samples_query(
            {
                "app": app,
                "versions": versions,
                "variants": variants,
                "start": start,
                "end": end,
                "environment": environment,
                "include_eval": include_eval,
                "limit": limit,
            },
            now=self._ctx.now(),
        )
        with self._ctx.database.session() as session:
            return MetricsRepository(session, self._ctx.project_id(session)).samples(query)
