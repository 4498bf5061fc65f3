"""Metrics over traces: what a query asks for, what it returns, and how percentiles are defined.

A *request* is a trace (its summary row: latency, status, tokens, cost). Grouping by ``model``
changes the unit to an LLM call: a span of kind ``llm``, with the app, version, environment and
variant of the trace it belongs to. Buckets are aligned to the Unix epoch (a ``1h`` bucket
starts on the hour UTC, ``1d`` at UTC midnight); a request falls in the bucket holding its
start time, and buckets with no requests are left out.

Percentiles use linear interpolation between the two nearest ranks, numpy's default: for *n*
sorted values and a percentile *p*, the position is ``(n - 1) * p / 100``. The store fetches
only the values at the ranks either side of that position (:func:`percentile_ranks`) and
:func:`interpolate_percentile` finishes the arithmetic in Python, so SQLite and PostgreSQL
return the same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Self

import pydantic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from llmloop.errors import ValidationError

__all__ = [
    "DEFAULT_RANGE",
    "MAX_BUCKETS",
    "MAX_SAMPLES",
    "PERCENTILES",
    "MetricsDimension",
    "MetricsPoint",
    "MetricsQuery",
    "MetricsResult",
    "MetricsUnit",
    "Sample",
    "SampleSet",
    "SamplesQuery",
    "ScoreMean",
    "bucket_seconds",
    "interpolate_percentile",
    "metrics_query",
    "percentile_ranks",
    "samples_query",
]

#: A query may span at most this many buckets; more would be a table, not a chart.
MAX_BUCKETS: Final = 2_000
#: The largest ``limit`` of a samples query.
MAX_SAMPLES: Final = 10_000
#: The latency percentiles every point reports.
PERCENTILES: Final = (50, 95, 99)
#: The range used when a query gives no ``start``: this long before ``end``.
DEFAULT_RANGE: Final = timedelta(hours=24)

_BUCKET = re.compile(r"^([1-9][0-9]{0,5})([smhd])$")
_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3_600, "d": 86_400}


class MetricsDimension(StrEnum):
    """What a metrics query can group by."""

    APP = "app"
    VERSION = "version"
    ENVIRONMENT = "environment"
    VARIANT = "variant"
    MODEL = "model"


class MetricsUnit(StrEnum):
    """What one request of a metrics point is."""

    TRACE = "trace"
    LLM_SPAN = "llm_span"


def bucket_seconds(bucket: str) -> int:
    """The width in seconds of a bucket written like ``30s``, ``5m``, ``1h`` or ``1d``."""
    found = _BUCKET.match(bucket)
    if found is None:
        raise ValueError(
            f"{bucket!r} is not a bucket width; write a number and a unit (s, m, h or d), "
            "e.g. 5m, 1h or 1d"
        )
    return int(found.group(1)) * _UNIT_SECONDS[found.group(2)]


def _split(value: Any) -> Any:
    """Accept ``"app,model"`` as well as ``["app", "model"]`` (query strings send either)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, Sequence):
        return [part.strip() for item in value for part in str(item).split(",") if part.strip()]
    return value


class _Range(BaseModel):
    """A time range: ``start`` inclusive, ``end`` exclusive, both aware and turned to UTC."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: AwareDatetime = Field(description="Inclusive start of the range (aware, UTC).")
    end: AwareDatetime = Field(description="Exclusive end of the range (aware, UTC).")

    @field_validator("start", "end")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start >= self.end:
            raise ValueError(
                f"start ({self.start.isoformat()}) must be before end ({self.end.isoformat()})"
            )
        return self


class MetricsQuery(_Range):
    """Bucketed request metrics over a time range, optionally grouped and filtered."""

    bucket: str = Field(default="1h", description="Bucket width: 30s, 5m, 1h, 1d, ...")
    group_by: tuple[MetricsDimension, ...] = Field(
        default=(), description="Group each bucket by these; 'model' counts LLM calls."
    )
    app: str | None = Field(default=None, max_length=200)
    version: str | None = Field(default=None, max_length=200)
    environment: str | None = Field(default=None, max_length=200)
    variant: str | None = Field(default=None, max_length=200)
    include_eval: bool = Field(
        default=False, description="Count evaluation traces (tagged 'eval') too."
    )

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        bucket_seconds(value)
        return value

    @field_validator("group_by", mode="before")
    @classmethod
    def _group_by(cls, value: Any) -> Any:
        parts = _split(value)
        if isinstance(parts, list):
            return tuple(dict.fromkeys(parts))  # a repeated name groups once
        return parts

    @model_validator(mode="after")
    def _bucket_count(self) -> Self:
        count = self.bucket_count
        if count > MAX_BUCKETS:
            raise ValueError(
                f"bucket: {self.bucket} buckets over this range make {count:,}; at most "
                f"{MAX_BUCKETS:,} are allowed. Use a wider bucket or a shorter range"
            )
        return self

    @property
    def bucket_seconds(self) -> int:
        """The bucket width in seconds."""
        return bucket_seconds(self.bucket)

    @property
    def bucket_count(self) -> int:
        """How many epoch-aligned buckets the range touches."""
        width = self.bucket_seconds
        first = int(self.start.timestamp()) // width
        last_moment = self.end - timedelta(microseconds=1)
        return int(last_moment.timestamp()) // width - first + 1

    @property
    def unit(self) -> MetricsUnit:
        """Traces, or LLM spans when grouped by model."""
        return (
            MetricsUnit.LLM_SPAN if MetricsDimension.MODEL in self.group_by else MetricsUnit.TRACE
        )


class ScoreMean(BaseModel):
    """The mean of a score's numeric values, and how many values it averages."""

    model_config = ConfigDict(frozen=True)

    mean: float
    count: int = Field(ge=1)


class MetricsPoint(BaseModel):
    """One bucket of one group: counts, latency percentiles, tokens, cost and mean scores."""

    model_config = ConfigDict(frozen=True)

    bucket_start: datetime
    group: dict[str, str | None] = Field(
        default_factory=dict, description="The group's value of each group_by dimension."
    )
    request_count: int
    error_count: int
    error_rate: float
    p50_latency_ms: float
    p95_latency_ms: float
    p99_latency_ms: float
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_usd: float | None = Field(
        description="Sum over priced requests; null when none is priced (unknown is not zero)."
    )
    unpriced_count: int = Field(
        description="Requests with usage but no price: cost_usd leaves them out."
    )
    scores: dict[str, ScoreMean] = Field(
        default_factory=dict, description="Mean numeric value per score name."
    )


class MetricsResult(BaseModel):
    """The points of a metrics query, oldest bucket first, and the query as it was run."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime
    bucket: str
    bucket_seconds: int
    group_by: list[MetricsDimension]
    unit: MetricsUnit
    include_eval: bool
    points: list[MetricsPoint]


class SamplesQuery(_Range):
    """The raw requests of two (or more) versions or variants of one app, for canary analysis."""

    app: str = Field(min_length=1, max_length=200)
    versions: tuple[str, ...] = Field(default=(), description="App versions to compare.")
    variants: tuple[str, ...] = Field(default=(), description="Variants to compare.")
    environment: str | None = Field(default=None, max_length=200)
    include_eval: bool = False
    limit: int = Field(default=1_000, ge=1, le=MAX_SAMPLES)

    @field_validator("versions", "variants", mode="before")
    @classmethod
    def _arms(cls, value: Any) -> Any:
        parts = _split(value)
        return tuple(dict.fromkeys(parts)) if isinstance(parts, list) else parts

    @model_validator(mode="after")
    def _one_kind_of_arm(self) -> Self:
        if bool(self.versions) == bool(self.variants):
            raise ValueError("versions/variants: give the versions or the variants to compare")
        if len(self.versions or self.variants) > 10:
            raise ValueError("versions/variants: at most 10 can be compared at once")
        return self


class Sample(BaseModel):
    """One request (trace) of a samples query."""

    model_config = ConfigDict(frozen=True)

    trace_id: str
    start_time: datetime
    version: str | None
    variant: str | None
    environment: str | None
    latency_ms: float
    cost_usd: float | None = Field(description="Null when any LLM call of it is unpriced.")
    status: str
    scores: dict[str, float] = Field(
        default_factory=dict, description="Per score name, the mean of its numeric values."
    )


class SampleSet(BaseModel):
    """Samples oldest first; ``truncated`` says more requests matched than ``limit``."""

    model_config = ConfigDict(frozen=True)

    items: list[Sample]
    truncated: bool
    limit: int


def percentile_ranks(count: int, percent: int) -> tuple[int, int]:
    """The 0-based ranks either side of ``(count - 1) * percent / 100`` (equal when exact)."""
    low, remainder = divmod((count - 1) * percent, 100)
    return low, low + (1 if remainder else 0)


def interpolate_percentile(count: int, percent: int, low_value: float, high_value: float) -> float:
    """The *percent* percentile of *count* values from the values at its two ranks."""
    remainder = ((count - 1) * percent) % 100
    return low_value + (high_value - low_value) * remainder / 100


def _validation_error(what: str, exc: pydantic.ValidationError, hint: str) -> ValidationError:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "is not a field of this query"
        problems.append(f"{where}: {message}" if where else message)
    return ValidationError(f"the {what} is invalid: {'; '.join(problems)}", hint=hint)


def _with_range(fields: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Fill a missing ``end`` with *now* and a missing ``start`` with 24 hours before end."""
    resolved = {key: value for key, value in fields.items() if value is not None}
    resolved.setdefault("end", now)
    end = resolved["end"]
    if "start" not in resolved and isinstance(end, datetime) and end.tzinfo is not None:
        resolved["start"] = end - DEFAULT_RANGE
    return resolved


def metrics_query(fields: Mapping[str, Any], *, now: datetime) -> MetricsQuery:
    """Validate a metrics query (missing times default to the 24 hours before *now*)."""
    try:
        return MetricsQuery.model_validate(_with_range(fields, now))
    except pydantic.ValidationError as exc:
        raise _validation_error(
            "metrics query",
            exc,
            "Give aware start/end times (start before end), a bucket such as 1h, and group_by "
            "from app, version, environment, variant, model. See docs/metrics.md.",
        ) from None


def samples_query(fields: Mapping[str, Any], *, now: datetime) -> SamplesQuery:
    """Validate a samples query (missing times default to the 24 hours before *now*)."""
    try:
        return SamplesQuery.model_validate(_with_range(fields, now))
    except pydantic.ValidationError as exc:
        raise _validation_error(
            "samples query",
            exc,
            "Give the app, two versions (or two variants), aware start/end times and a limit "
            f"up to {MAX_SAMPLES:,}. See docs/metrics.md.",
        ) from None
