"""A small, generic stale-while-revalidate cache for configuration an application fetches.

Prompts use it today; flags and releases can reuse it. The rules:

- A miss loads synchronously; its errors reach the caller (there is nothing to fall back to).
- A fresh entry (younger than ``ttl_s`` on the injected clock) is returned as is.
- A stale entry is returned at once, and one background refresh is started for its key.
- A refresh that fails with a *gone* error (by default ``NotFoundError``: the thing was
  deleted, or a label no longer exists) drops the entry, so the next ``get`` raises instead of
  serving something the source of truth says is gone.
- Any other refresh failure (server down, store unavailable) keeps the last good value and
  waits ``retry_after_s`` before trying again, so a down server is not hammered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

from llmloop.domain.clock import Clock, SystemClock
from llmloop.errors import NotFoundError

__all__ = ["CacheStats", "RefreshingCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _not_found(error: BaseException) -> bool:
    return isinstance(error, NotFoundError)


@dataclass
class CacheStats:
    """Counters, for tests and for an application's own metrics."""

    hits: int = 0
    misses: int = 0
    stale_served: int = 0
    refreshes: int = 0
    refresh_failures: int = 0
    dropped: int = 0


@dataclass
class _Entry(Generic[V]):
    value: V
    loaded_at_s: float
    next_refresh_at_s: float
    refreshing: bool = False


class RefreshingCache(Generic[K, V]):
    """Values by key, loaded on first use and refreshed in the background when stale."""

    def __init__(
        self,
        load: Callable[[K], V],
        *,
        ttl_s: float,
        clock: Clock | None = None,
        retry_after_s: float | None = None,
        is_gone: Callable[[BaseException], bool] = _not_found,
        thread_name: str = "llmloop-cache",
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        self._load = load
        self._ttl_s = ttl_s
        self._retry_after_s = ttl_s if retry_after_s is None else retry_after_s
        self._clock = clock or SystemClock()
        self._is_gone = is_gone
        self._entries: dict[K, _Entry[V]] = {}
        # Re-entrant: a refresh that is already done runs its callback in the submitting thread,
        # which holds the lock.
        self._lock = threading.RLock()
        self._in_flight: set[Future[None]] = set()
        # One worker: refreshes are rare and cheap, and one thread bounds the load on a server.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name)
        self.stats = CacheStats()

    def get(self, key: K) -> V:
        """The value for *key*: cached, stale while a refresh runs, or loaded now."""
        now = self._clock.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                if now - entry.loaded_at_s < self._ttl_s:
                    self.stats.hits += 1
                else:
                    self.stats.stale_served += 1
                    if not entry.refreshing and now >= entry.next_refresh_at_s:
                        self._start_refresh(key, entry)
                return entry.value
        value = self._load(key)
        self._store(key, value)
        with self._lock:
            self.stats.misses += 1
        return value

    def _start_refresh(self, key: K, entry: _Entry[V]) -> None:
        entry.refreshing = True
        future = self._executor.submit(self._refresh, key)
        self._in_flight.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._in_flight.discard(future)

    def _store(self, key: K, value: V) -> None:
        now = self._clock.monotonic()
        with self._lock:
            self._entries[key] = _Entry(value, loaded_at_s=now, next_refresh_at_s=now)

    def _refresh(self, key: K) -> None:
        try:
            value = self._load(key)
        except Exception as error:
            with self._lock:
                entry = self._entries.get(key)
                if self._is_gone(error):
                    self._entries.pop(key, None)
                    self.stats.dropped += 1
                else:
                    # Keep serving the last good value; try again after a pause.
                    self.stats.refresh_failures += 1
                    if entry is not None:
                        entry.refreshing = False
                        entry.next_refresh_at_s = self._clock.monotonic() + self._retry_after_s
            return
        self._store(key, value)
        with self._lock:
            self.stats.refreshes += 1

    def invalidate(self, key: K) -> None:
        """Forget *key*; the next ``get`` loads it again."""
        with self._lock:
            self._entries.pop(key, None)

    def wait_for_refreshes(self, timeout_s: float = 10.0) -> bool:
        """Wait until no refresh is running; return False if some still run after *timeout_s*."""
        with self._lock:
            pending = set(self._in_flight)
        _, not_done = wait(pending, timeout=timeout_s)
        return not not_done

    def close(self) -> None:
        """Stop the refresher thread (a running refresh finishes first)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
