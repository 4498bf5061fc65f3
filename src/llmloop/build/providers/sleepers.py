"""Waiting between retries without tying tests to real time.

Providers never call ``time.sleep`` themselves: they wait through a :class:`Sleeper`. In
production it is :class:`RealSleeper`; tests and simulations pass a :class:`ClockSleeper`,
which moves a ``ManualClock`` forward instead of waiting and records every wait.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Protocol, runtime_checkable

from llmloop.domain.clock import ManualClock

__all__ = ["ClockSleeper", "RealSleeper", "Sleeper"]


@runtime_checkable
class Sleeper(Protocol):
    """Something that waits, in threads and in event loops."""

    def sleep(self, seconds: float) -> None:
        """Wait *seconds* in the calling thread."""
        ...

    async def asleep(self, seconds: float) -> None:
        """Wait *seconds* without blocking the event loop."""
        ...


class RealSleeper:
    """Waits for real."""

    def sleep(self, seconds: float) -> None:
        """Block the thread for *seconds*."""
        time.sleep(max(0.0, seconds))

    async def asleep(self, seconds: float) -> None:
        """Suspend the coroutine for *seconds*."""
        await asyncio.sleep(max(0.0, seconds))


class ClockSleeper:
    """Moves a manual clock forward instead of waiting; records what was asked."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.waits_s: list[float] = []
        self._lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        """Advance the clock by *seconds* at once."""
        seconds = max(0.0, seconds)
        with self._lock:
            self.waits_s.append(seconds)
        self.clock.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        """Advance the clock by *seconds*, letting other tasks run once."""
        self.sleep(seconds)
        await asyncio.sleep(0)
