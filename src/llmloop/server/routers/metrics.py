"""``/api/v1/metrics``: bucketed request metrics and raw samples of the key's project."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from llmloop.domain.metrics import MAX_SAMPLES, MetricsResult, SampleSet
from llmloop.errors import ValidationError
from llmloop.server.auth import ClientForKey
from llmloop.server.errors import ErrorBody

router = APIRouter(
    prefix="/api/v1/metrics",
    tags=["metrics"],
    responses={401: {"model": ErrorBody}, 404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)

_Start = Annotated[
    datetime | None,
    Query(description="Inclusive start, ISO 8601 with a time zone (default: 24 hours before end)."),
]
_End = Annotated[
    datetime | None,
    Query(description="Exclusive end, ISO 8601 with a time zone (default: now)."),
]
_Filter = Annotated[str | None, Query(max_length=200)]
_IncludeEval = Annotated[bool, Query(description="Count evaluation traces (tagged 'eval') too.")]


def _refuse_unknown(request: Request, known: frozenset[str]) -> None:
    """A misspelt parameter would silently widen the query: refuse it, naming it."""
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise ValidationError(
            f"unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
            hint=f"This endpoint takes {', '.join(sorted(known))}.",
        )


_METRICS_PARAMS = frozenset(
    {
        "start",
        "end",
        "bucket",
        "group_by",
        "app",
        "version",
        "environment",
        "variant",
        "include_eval",
    }
)
_SAMPLES_PARAMS = frozenset(
    {"app", "versions", "variants", "start", "end", "environment", "include_eval", "limit"}
)


@router.get("", summary="Request metrics per time bucket (and group)")
def get_metrics(
    request: Request,
    client: ClientForKey,
    start: _Start = None,
    end: _End = None,
    bucket: Annotated[str, Query(description="Bucket width: 30s, 5m, 1h, 1d, ...")] = "1h",
    group_by: Annotated[
        list[str],
        Query(description="app, version, environment, variant, model (repeat or comma-join)."),
    ] = [],  # noqa: B006 (FastAPI copies defaults per request)
    app: _Filter = None,
    version: _Filter = None,
    environment: _Filter = None,
    variant: _Filter = None,
    include_eval: _IncludeEval = False,
) -> MetricsResult:
    """Counts, errors, latency percentiles, tokens, cost and mean scores per bucket."""
    _refuse_unknown(request, _METRICS_PARAMS)
    return client.metrics.query(
        start=start,
        end=end,
        bucket=bucket,
        group_by=group_by,
        app=app,
        version=version,
        environment=environment,
        variant=variant,
        include_eval=include_eval,
    )


@router.get("/samples", summary="Raw requests of two versions or variants, for canary analysis")
def get_samples(
    request: Request,
    client: ClientForKey,
    app: Annotated[str, Query(max_length=200, description="The app whose requests to list.")],
    versions: Annotated[list[str], Query(description="App versions to compare.")] = [],  # noqa: B006
    variants: Annotated[list[str], Query(description="Variants to compare.")] = [],  # noqa: B006
    start: _Start = None,
    end: _End = None,
    environment: _Filter = None,
    include_eval: _IncludeEval = False,
    limit: Annotated[int, Query(ge=1, le=MAX_SAMPLES)] = 1_000,
) -> SampleSet:
    """Per request: trace id, time, version, variant, latency, cost, status and scores."""
    _refuse_unknown(request, _SAMPLES_PARAMS)
    return client.metrics.samples(
        app,
        versions=versions,
        variants=variants,
        start=start,
        end=end,
        environment=environment,
        include_eval=include_eval,
        limit=limit,
    )
