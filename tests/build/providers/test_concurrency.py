"""The per-provider concurrency limit, for threads, tasks and both at once."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from llmloop.build.providers import ConcurrencyLimit


def _wait_until(condition: object, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached before the deadline"
        time.sleep(0.001)


def test_threads_never_exceed_the_limit() -> None:
    limit = ConcurrencyLimit(2)
    release = threading.Event()
    peak = 0
    lock = threading.Lock()
    entered = 0

    def work() -> None:
        nonlocal peak, entered
        with limit.slot():
            with lock:
                entered += 1
                peak = max(peak, limit.in_use)
            release.wait(5)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    _wait_until(lambda: entered == 2)
    assert limit.in_use == 2
    release.set()
    for thread in threads:
        thread.join(5)
    assert peak == 2
    assert entered == 6
    assert limit.in_use == 0


def test_tasks_never_exceed_the_limit_and_cancelled_waiters_give_no_slot_away() -> None:
    limit = ConcurrencyLimit(3)

    async def run() -> int:
        peak = 0
        gate = asyncio.Event()

        async def work() -> None:
            nonlocal peak
            async with limit.aslot():
                peak = max(peak, limit.in_use)
                await gate.wait()

        tasks = [asyncio.create_task(work()) for _ in range(8)]
        while limit.in_use < 3:
            await asyncio.sleep(0)
        tasks[-1].cancel()  # a waiter gives up
        await asyncio.sleep(0)
        gate.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        return peak

    assert asyncio.run(run()) == 3
    assert limit.in_use == 0


def test_threads_and_tasks_share_one_limit() -> None:
    limit = ConcurrencyLimit(1)
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with limit.slot():
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)

    async def task_waits_for_the_thread() -> int:
        loop = asyncio.get_running_loop()
        loop.call_later(0.01, release.set)  # the thread lets go once the task is queued
        async with limit.aslot():
            return limit.in_use

    assert asyncio.run(task_waits_for_the_thread()) == 1
    thread.join(5)
    assert limit.in_use == 0


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ConcurrencyLimit(0)
