"""Injectable clocks: every component that reads the time takes one.

Production code uses :class:`SystemClock`; tests and the demo use :class:`ManualClock` to run
rollouts, alert windows and cache lifetimes in simulated time.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock", "utc"]


def utc(moment: datetime) -> datetime:
    """Return *moment* as an aware UTC datetime (naive values are taken to be UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@runtime_checkable
class Clock(Protocol):
    """A source of wall-clock and monotonic time."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Return seconds on a clock that never goes backwards (for durations and TTLs)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Return the process's monotonic time in seconds."""
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to; safe to share between threads."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = utc(start) if start else datetime(2026, 1, 1, tzinfo=UTC)
        self._monotonic = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the simulated current time."""
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        """Return simulated seconds elapsed since the clock was made."""
        with self._lock:
            return self._monotonic

    def advance(self, seconds: float) -> None:
        """Move time forward by *seconds* (negative values are refused)."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards; pass a positive number of seconds")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._monotonic += seconds
