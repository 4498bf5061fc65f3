"""One retry policy for every provider: exponential backoff with jitter, honouring Retry-After.

The SDKs' own retries are switched off (``max_retries=0``) so that a single policy decides,
waits on the injected clock and can be tested without real time. Only failures marked
``retryable`` are retried (429, 5xx, timeouts, dropped connections); a ``Retry-After`` the
provider sends is waited for as it is, unless it is longer than the policy allows, in which
case the call fails at once rather than hang.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from llmloop.build.providers.sleepers import Sleeper
from llmloop.errors import ProviderError

__all__ = ["RetryPolicy", "acall_with_retries", "call_with_retries", "parse_retry_after_s"]

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before trying a failed provider call again."""

    max_retries: int = 2
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    max_retry_after_s: float = 120.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def backoff_s(self, retry_number: int) -> float:
        """The wait before retry *retry_number* (1-based): half fixed, half random."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0 ** (retry_number - 1))
        jitter_s: float = self.rng.uniform(0, ceiling / 2)
        return ceiling / 2 + jitter_s

    def delay_before_retry_s(self, retry_number: int, error: ProviderError) -> float | None:
        """How long to wait before retry *retry_number*, or ``None`` to give up and raise."""
        if not error.retryable or retry_number > self.max_retries:
            return None
        if error.retry_after_s is not None:
            if error.retry_after_s > self.max_retry_after_s:
                return None
            return max(0.0, error.retry_after_s)
        return self.backoff_s(retry_number)


def parse_retry_after_s(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - now).total_seconds())


def call_with_retries(call: Callable[[], T], policy: RetryPolicy, sleeper: Sleeper) -> T:
    """Run *call*; on a retryable ``ProviderError`` wait as the policy says and try again."""
    retry_number = 0
    while True:
        try:
            return call()
        except ProviderError as error:
            retry_number += 1
            delay_s = policy.delay_before_retry_s(retry_number, error)
            if delay_s is None:
                raise
        sleeper.sleep(delay_s)


async def acall_with_retries(
    call: Callable[[], Awaitable[T]], policy: RetryPolicy, sleeper: Sleeper
) -> T:
    """The async twin of :func:`call_with_retries`."""
    retry_number = 0
    while True:
        try:
            return await call()
        except ProviderError as error:
            retry_number += 1
            delay_s = policy.delay_before_retry_s(retry_number, error)
            if delay_s is None:
                raise
        await sleeper.asleep(delay_s)
