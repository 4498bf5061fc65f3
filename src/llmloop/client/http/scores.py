"""Scores, score configs and feedback over the REST API."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any
from urllib.parse import quote

from llmloop.client.http.transport import HttpTransport
from llmloop.domain.scores import (
    Feedback,
    Score,
    ScoreConfig,
    ScoreConfigSpec,
    ScoreInput,
    ScorePage,
    ScoreSource,
    ScoreValue,
    parse_model,
)

__all__ = ["HttpScores"]

_SCORES = "/api/v1/scores"
_CONFIGS = "/api/v1/score-configs"
_FEEDBACK = "/api/v1/feedback"


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields that were given: the server applies the same defaults."""
    return {key: value for key, value in fields.items() if value is not None}


class HttpScores:
    """``ScoresClient`` over ``/api/v1/scores``, ``/score-configs`` and ``/feedback``."""

    def __init__(self, transport: HttpTransport) -> None:
        self._http = transport

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
        body = _present(
            {
                "trace_id": trace_id,
                "name": name,
                "value": value,
                "span_id": span_id,
                "data_type": data_type,
                "source": str(source),
                "comment": comment,
                "metadata": metadata,
                "idempotency_key": idempotency_key,
            }
        )
        # Checked here too: a bad value (NaN, say) could not even be sent as JSON.
        parse_model(ScoreInput, body, what="score")
        return Score.model_validate(self._http.request("POST", _SCORES, json=body))

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
        """Record end-user feedback (source ``user_feedback``): exactly one of thumbs or rating."""
        body = _present(
            {
                "trace_id": trace_id,
                "thumbs": thumbs,
                "rating": rating,
                "comment": comment,
                "span_id": span_id,
                "user_id": user_id,
                "idempotency_key": idempotency_key,
            }
        )
        parse_model(Feedback, body, what="feedback")
        return Score.model_validate(self._http.request("POST", _FEEDBACK, json=body))

    def get(self, score_id: str) -> Score:
        """The score *score_id*."""
        path = f"{_SCORES}/{quote(score_id, safe='')}"
        return Score.model_validate(self._http.request("GET", path))

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
        params = _present(
            {
                "trace_id": trace_id,
                "span_id": span_id,
                "name": name,
                "source": None if source is None else str(source),
                "start": None if start is None else start.isoformat(),
                "end": None if end is None else end.isoformat(),
                "limit": limit,
                "cursor": cursor,
            }
        )
        return ScorePage.model_validate(self._http.request("GET", _SCORES, params=params))

    def set_config(self, name: str, spec: ScoreConfigSpec) -> ScoreConfig:
        """Create or replace the config of score *name*."""
        path = f"{_CONFIGS}/{quote(name, safe='')}"
        body = spec.model_dump(mode="json")
        return ScoreConfig.model_validate(self._http.request("PUT", path, json=body))

    def list_configs(self) -> builtins.list[ScoreConfig]:
        """Every score config, by name."""
        body = self._http.request("GET", _CONFIGS)
        return [ScoreConfig.model_validate(item) for item in body["items"]]

    def get_config(self, name: str) -> ScoreConfig:
        """The config of score *name*."""
        path = f"{_CONFIGS}/{quote(name, safe='')}"
        return ScoreConfig.model_validate(self._http.request("GET", path))
