"""What every provider adapter shares: the clock, retries, the concurrency limit and cost.

An adapter sends one attempt; :class:`ProviderRuntime` decides whether to try again, how long
to wait (on the injected clock), how many calls may be in flight, how long the call took and
what it cost. Each provider instance has its own runtime, so limits are per provider profile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from llmloop.build.providers.concurrency import ConcurrencyLimit
from llmloop.build.providers.cost import CostFunction, no_cost
from llmloop.build.providers.retries import RetryPolicy, acall_with_retries, call_with_retries
from llmloop.build.providers.sleepers import RealSleeper, Sleeper
from llmloop.domain.chat import TokenUsage
from llmloop.domain.clock import Clock, SystemClock

__all__ = ["ProviderRuntime"]

T = TypeVar("T")


@dataclass
class ProviderRuntime:
    """Retries, waiting, the in-flight limit, timing and pricing for one provider."""

    name: str
    clock: Clock = field(default_factory=SystemClock)
    sleeper: Sleeper = field(default_factory=RealSleeper)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    limit: ConcurrencyLimit = field(default_factory=lambda: ConcurrencyLimit(8))
    cost: CostFunction = no_cost

    def call(self, attempt: Callable[[], T]) -> T:
        """Run *attempt* holding a slot, retrying as the policy says (no slot while waiting)."""

        def one_attempt() -> T:
            with self.limit.slot():
                return attempt()

        return call_with_retries(one_attempt, self.policy, self.sleeper)

    async def acall(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """The async twin of :meth:`call`."""

        async def one_attempt() -> T:
            async with self.limit.aslot():
                return await attempt()

        return await acall_with_retries(one_attempt, self.policy, self.sleeper)

    def elapsed_ms(self, started: float) -> float:
        """Milliseconds since *started* (a value of ``clock.monotonic()``)."""
        return max(0.0, (self.clock.monotonic() - started) * 1000.0)

    def cost_usd(self, model: str, usage: TokenUsage) -> float | None:
        """What *usage* of *model* cost, or ``None`` when the price is unknown."""
        return self.cost(model, usage)
