"""Clocks: the manual clock moves only when told, in both of its scales."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from llmloop.domain.clock import Clock, ManualClock, SystemClock, utc


def test_manual_clock_advances_wall_and_monotonic_time_together() -> None:
    clock = ManualClock(datetime(2026, 5, 1, tzinfo=UTC))
    clock.advance(90)
    assert clock.now() == datetime(2026, 5, 1, 0, 1, 30, tzinfo=UTC)
    assert clock.monotonic() == 90


def test_manual_clock_refuses_to_go_backwards() -> None:
    with pytest.raises(ValueError, match="backwards"):
        ManualClock().advance(-1)


def test_both_clocks_satisfy_the_protocol() -> None:
    assert isinstance(SystemClock(), Clock)
    assert isinstance(ManualClock(), Clock)
    assert SystemClock().now().tzinfo is not None


def test_utc_normalises_naive_and_offset_times() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert utc(datetime(2026, 1, 1, 12, tzinfo=plus_two)) == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert utc(datetime(2026, 1, 1, 12)).tzinfo is UTC
