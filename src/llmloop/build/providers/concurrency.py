"""A limit on the calls in flight to one provider, shared by threads and event loops.

One counter serves both worlds, so a service that mixes sync and async calls still never has
more than ``limit`` requests open to the provider. Threads wait on a condition; coroutines
wait on a future that a releasing thread resolves through the coroutine's own event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

__all__ = ["ConcurrencyLimit"]


class ConcurrencyLimit:
    """At most ``limit`` holders at once; the rest wait in order of arrival (per kind)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a concurrency limit must be at least 1")
        self.limit = limit
        self._in_use = 0
        self._lock = threading.Lock()
        self._threads_may_go = threading.Condition(self._lock)
        self._waiting_tasks: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    @property
    def in_use(self) -> int:
        """How many calls hold a slot now."""
        with self._lock:
            return self._in_use

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot in this thread for the duration of the block."""
        with self._lock:
            while self._in_use >= self.limit:
                self._threads_may_go.wait()
            self._in_use += 1
        try:
            yield
        finally:
            self._release()

    @asynccontextmanager
    async def aslot(self) -> AsyncIterator[None]:
        """Hold one slot in this task for the duration of the block."""
        await self._acquire_async()
        try:
            yield
        finally:
            self._release()

    async def _acquire_async(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._in_use < self.limit:
                self._in_use += 1
                return
            granted: asyncio.Future[None] = loop.create_future()
            self._waiting_tasks.append((loop, granted))
        try:
            await granted
        except asyncio.CancelledError:
            with self._lock:
                if (loop, granted) in self._waiting_tasks:
                    self._waiting_tasks.remove((loop, granted))
                    raise
            # Handed over already: if the grant landed before the cancellation we own the slot
            # and give it back; if not, _grant sees the cancelled future and passes it on.
            if granted.done() and not granted.cancelled():
                self._release()
            raise

    def _release(self) -> None:
        with self._lock:
            while self._waiting_tasks:
                loop, granted = self._waiting_tasks.popleft()
                # The slot passes straight to the waiting task: _in_use stays the same.
                try:
                    loop.call_soon_threadsafe(self._grant, granted)
                except RuntimeError:  # that task's event loop is closed: try the next one
                    continue
                return
            self._in_use -= 1
            self._threads_may_go.notify()

    def _grant(self, granted: asyncio.Future[None]) -> None:
        if granted.cancelled():
            self._release()
        else:
            granted.set_result(None)
