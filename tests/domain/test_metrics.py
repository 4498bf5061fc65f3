"""Metrics queries: bucket widths, bucket counts, validation and the percentile definition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmloop.domain.metrics import (
    MAX_BUCKETS,
    MetricsDimension,
    MetricsUnit,
    bucket_seconds,
    interpolate_percentile,
    metrics_query,
    percentile_ranks,
    samples_query,
)
from llmloop.errors import ValidationError

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("bucket", "seconds"), [("30s", 30), ("5m", 300), ("1h", 3_600), ("1d", 86_400)]
)
def test_bucket_widths(bucket: str, seconds: int) -> None:
    assert bucket_seconds(bucket) == seconds


@pytest.mark.parametrize("bucket", ["", "0m", "1w", "1.5h", "h", "-1h", "1 h", "1234567s"])
def test_bad_bucket_widths_say_how_to_write_one(bucket: str) -> None:
    with pytest.raises(ValueError, match=r"e\.g\. 5m, 1h or 1d"):
        bucket_seconds(bucket)


def test_missing_times_default_to_the_last_24_hours() -> None:
    query = metrics_query({"bucket": "1h"}, now=NOW)
    assert (query.start, query.end) == (NOW - timedelta(hours=24), NOW)
    assert query.bucket_count == 24
    later = metrics_query({"end": NOW + timedelta(hours=1)}, now=NOW)
    assert later.start == NOW - timedelta(hours=23)


def test_times_are_turned_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    query = metrics_query({"start": datetime(2026, 1, 1, 1, tzinfo=paris)}, now=NOW + timedelta(1))
    assert query.start == NOW
    assert query.start.tzinfo is UTC


def test_bucket_count_covers_partial_buckets_at_both_ends() -> None:
    query = metrics_query(
        {"start": NOW + timedelta(minutes=10), "end": NOW + timedelta(hours=2, minutes=1)},
        now=NOW,
    )
    assert query.bucket_count == 3  # 00:00, 01:00 and 02:00


def test_at_most_max_buckets() -> None:
    fits = {"start": NOW - timedelta(minutes=MAX_BUCKETS), "end": NOW, "bucket": "1m"}
    assert metrics_query(fits, now=NOW).bucket_count == MAX_BUCKETS
    over = {**fits, "start": NOW - timedelta(minutes=MAX_BUCKETS + 1)}
    with pytest.raises(ValidationError, match="bucket: 1m buckets over this range make 2,001"):
        metrics_query(over, now=NOW)


def test_group_by_accepts_lists_and_comma_joined_names_once() -> None:
    query = metrics_query({"group_by": ["app,version", "app", " model "]}, now=NOW)
    assert query.group_by == (
        MetricsDimension.APP,
        MetricsDimension.VERSION,
        MetricsDimension.MODEL,
    )
    assert query.unit is MetricsUnit.LLM_SPAN
    assert metrics_query({"group_by": "app"}, now=NOW).unit is MetricsUnit.TRACE


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": NOW, "end": NOW - timedelta(1)}, "must be before end"),
        ({"group_by": ["user"]}, "group_by.0: Input should be 'app'"),
        ({"app": "x" * 201}, "app: String should have at most 200 characters"),
        ({"colour": "red"}, "colour: is not a field of this query"),
        ({"end": datetime(2026, 1, 1)}, "end: Input should have timezone info"),
    ],
)
def test_bad_queries_name_the_field(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        metrics_query(fields, now=NOW)
    assert caught.value.hint is not None
    assert "docs/metrics.md" in caught.value.hint


def test_samples_need_versions_or_variants_not_both() -> None:
    query = samples_query({"app": "bot", "versions": "v1,v2"}, now=NOW)
    assert query.versions == ("v1", "v2")
    with pytest.raises(ValidationError, match="versions/variants"):
        samples_query({"app": "bot"}, now=NOW)
    with pytest.raises(ValidationError, match="versions/variants"):
        samples_query({"app": "bot", "versions": ["a"], "variants": ["b"]}, now=NOW)
    with pytest.raises(ValidationError, match="limit"):
        samples_query({"app": "bot", "versions": ["a"], "limit": 10_001}, now=NOW)


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=60))
def test_percentiles_from_two_ranks_equal_numpys_linear_method(values: list[int]) -> None:
    ordered = sorted(values)
    for percent in (0, 1, 50, 95, 99, 100):
        low, high = percentile_ranks(len(ordered), percent)
        ours = interpolate_percentile(len(ordered), percent, ordered[low], ordered[high])
        expected = float(numpy.percentile(ordered, percent))
        assert ours == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_percentile_ranks() -> None:
    assert percentile_ranks(1, 99) == (0, 0)
    assert percentile_ranks(4, 50) == (1, 2)  # position 1.5
    assert percentile_ranks(5, 50) == (2, 2)  # exact
    assert percentile_ranks(101, 95) == (95, 95)
