"""``/api/v1/scores`` and ``/api/v1/score-configs``: scores of traces and spans, and configs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from llmloop.domain.scores import (
    Score,
    ScoreConfig,
    ScoreConfigSpec,
    ScoreInput,
    ScorePage,
    ScoreQuery,
)
from llmloop.server.auth import ClientForKey
from llmloop.server.errors import ErrorBody

router = APIRouter(
    prefix="/api/v1",
    tags=["scores"],
    responses={
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
)


class ScoreConfigList(BaseModel):
    """Score configs of the key's project, by name."""

    items: list[ScoreConfig]


@router.post("/scores", summary="Record a score on a trace or span (idempotent with a key)")
def add_score(body: ScoreInput, client: ClientForKey) -> Score:
    """Store a score; a known idempotency key returns the first score, a different body is 409."""
    return client.scores.record(body)


@router.get("/scores", summary="List scores, newest first (cursor pagination)")
def list_scores(query: Annotated[ScoreQuery, Query()], client: ClientForKey) -> ScorePage:
    """Scores matching the filters; unknown query parameters are 422."""
    return client.scores.query(query)


@router.get("/scores/{score_id}", summary="Get a score")
def get_score(score_id: str, client: ClientForKey) -> Score:
    """The score *score_id*."""
    return client.scores.get(score_id)


@router.get("/score-configs", summary="List score configs")
def list_score_configs(client: ClientForKey) -> ScoreConfigList:
    """Every score config of the key's project."""
    return ScoreConfigList(items=client.scores.list_configs())


@router.get("/score-configs/{score_config}", summary="Get a score config")
def get_score_config(score_config: str, client: ClientForKey) -> ScoreConfig:
    """The config of the score named *score_config*."""
    return client.scores.get_config(score_config)


@router.put("/score-configs/{score_config}", summary="Create or replace a score config")
def set_score_config(score_config: str, body: ScoreConfigSpec, client: ClientForKey) -> ScoreConfig:
    """Scores named *score_config* recorded from now on must match this config."""
    return client.scores.set_config(score_config, body)
