"""Scores, score configs and end-user feedback in the embedded store."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from llmloop.client.local.context import LocalContext
from llmloop.domain.scores import (
    Feedback,
    Score,
    ScoreConfig,
    ScoreConfigSpec,
    ScoreInput,
    ScorePage,
    ScoreQuery,
    ScoreSource,
    ScoreValue,
    check_against_config,
    parse_model,
    validate_score_name,
)
from llmloop.store.scores import ScoreConfigRepository, ScoreRepository

__all__ = ["LocalScores"]


class LocalScores:
    """``ScoresClient`` over the embedded store; any member of the project may score."""

    def __init__(self, context: LocalContext) -> None:
        self._ctx = context

    def add(
        self,
        trace_id: str,
        name: str,
        value: ScoreValue,
        *,
        span_id: str | None = None,
        data_type: str | None = None,
        source: ScoreSource | str = ScoreSource.HUMAN,
        comment: str | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Score:
        """Record a score; a config of *name* must be matched, and a known key returns the first."""
        fields = {
            "trace_id": trace_id,
            "name": name,
            "value": value,
            "span_id": span_id,
            "data_type": data_type,
            "source": source,
            "comment": comment,
            "metadata": metadata or {},
            "idempotency_key": idempotency_key,
        }
        return self.record(parse_model(ScoreInput, fields, what="score"))

    def record(self, score: ScoreInput) -> Score:
        """Record a validated score input (what ``add`` and ``feedback`` build)."""
        with self._ctx.database.session() as session:
            project_id = self._ctx.project_id(session)
            config = ScoreConfigRepository(session, project_id).spec(score.name)
            settled = check_against_config(score, config)
            return ScoreRepository(session, project_id).add(
                settled, author=self._ctx.principal.actor, at=self._ctx.now()
            )

    def feedback(
        self,
        trace_id: str,
        *,
        thumbs: bool | None = None,
        rating: float | None = None,
        comment: str | None = None,
        span_id: str | None = None,
        user_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Score:
        """Record end-user feedback: exactly one of *thumbs* or *rating*."""
        fields = {
            "trace_id": trace_id,
            "thumbs": thumbs,
            "rating": rating,
            "comment": comment,
            "span_id": span_id,
            "user_id": user_id,
            "idempotency_key": idempotency_key,
        }
        return self.record(parse_model(Feedback, fields, what="feedback").score_input())

    def get(self, score_id: str) -> Score:
        """The score *score_id*."""
        with self._ctx.database.session() as session:
            return ScoreRepository(session, self._ctx.project_id(session)).get(score_id)

    def list(
        self,
        *,
        trace_id: str | None = None,
        span_id: str | None = None,
        name: str | None = None,
        source: ScoreSource | str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> ScorePage:
        """One page of scores, newest first; pass ``next_cursor`` back for the next page."""
        query = parse_model(
            ScoreQuery,
            {
                "trace_id": trace_id,
                "span_id": span_id,
                "name": name,
                "source": source,
                "start": start,
                "end": end,
                "limit": limit,
                "cursor": cursor,
            },
            what="score query",
        )
        return self.query(query)

    def query(self, query: ScoreQuery) -> ScorePage:
        """One page of scores matching a validated query."""
        with self._ctx.database.session() as session:
            return ScoreRepository(session, self._ctx.project_id(session)).list(query)

    def set_config(self, name: str, spec: ScoreConfigSpec) -> ScoreConfig:
        """Create or replace the config of score *name*; later scores must match it."""
        validate_score_name(name)
        spec = parse_model(ScoreConfigSpec, spec, what="score config")
        with self._ctx.database.session() as session:
            project_id = self._ctx.project_id(session)
            config = ScoreConfigRepository(session, project_id).set(
                name, spec, actor=self._ctx.principal.actor, at=self._ctx.now()
            )
            self._ctx.audit(
                session,
                project_id=project_id,
                action="score_config.set",
                target=name,
                details=spec.model_dump(mode="json"),
            )
            return config

    def list_configs(self) -> builtins.list[ScoreConfig]:
        """Every score config of the project, by name."""
        with self._ctx.database.session() as session:
            return ScoreConfigRepository(session, self._ctx.project_id(session)).list()

    def get_config(self, name: str) -> ScoreConfig:
        """The config of score *name*."""
        with self._ctx.database.session() as session:
            return ScoreConfigRepository(session, self._ctx.project_id(session)).get(
                validate_score_name(name)
            )
