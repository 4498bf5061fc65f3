"""The retry policy: which failures are retried, how long it waits, and Retry-After parsing."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import pytest

from llmloop.build.providers import ClockSleeper, RetryPolicy
from llmloop.build.providers.retries import (
    acall_with_retries,
    call_with_retries,
    parse_retry_after_s,
)
from llmloop.domain.clock import ManualClock
from llmloop.errors import ProviderError

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("Thu, 01 Jan 2026 00:00:42 GMT", 42.0),
        ("Wed, 31 Dec 2025 23:59:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_parsing(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after_s(header, NOW) == seconds


def test_backoff_doubles_within_equal_jitter_bounds_and_is_capped() -> None:
    policy = RetryPolicy(max_retries=10, base_delay_s=1.0, max_delay_s=5.0, rng=random.Random(1))
    for retry, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (9, 5.0)]:
        delay = policy.backoff_s(retry)
        assert ceiling / 2 <= delay <= ceiling


def test_jitter_spreads_waits() -> None:
    policy = RetryPolicy(base_delay_s=1.0, rng=random.Random(3))
    assert len({round(policy.backoff_s(1), 6) for _ in range(20)}) > 10


def test_only_retryable_errors_within_the_budget_are_retried() -> None:
    policy = RetryPolicy(max_retries=2)
    retryable = ProviderError("x", retryable=True)
    assert policy.delay_before_retry_s(1, ProviderError("x")) is None
    assert policy.delay_before_retry_s(2, retryable) is not None
    assert policy.delay_before_retry_s(3, retryable) is None
    assert policy.delay_before_retry_s(1, ProviderError("x", retryable=True, retry_after_s=9)) == 9


def test_sync_and_async_loops_wait_on_the_clock(clock: ManualClock) -> None:
    sleeper = ClockSleeper(clock)
    outcomes: list[object] = [ProviderError("a", retryable=True, retry_after_s=1.0), "done"]

    def call() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return str(outcome)

    assert call_with_retries(call, RetryPolicy(max_retries=1), sleeper) == "done"

    async_outcomes: list[object] = [ProviderError("b", retryable=True, retry_after_s=2.0), "done"]

    async def acall() -> str:
        outcome = async_outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return str(outcome)

    assert asyncio.run(acall_with_retries(acall, RetryPolicy(max_retries=1), sleeper)) == "done"
    assert sleeper.waits_s == [1.0, 2.0]
    assert clock.monotonic() == 3.0
