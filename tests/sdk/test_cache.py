"""RefreshingCache: fresh hits, stale-while-revalidate, last good value, gone means gone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llmloop.domain.clock import ManualClock
from llmloop.errors import NotFoundError, ServerUnavailableError
from llmloop.sdk.cache import RefreshingCache


class Source:
    """A loader whose answers the test sets; counts calls."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {"a": 1}
        self.failure: Exception | None = None
        self.calls = 0

    def load(self, key: str) -> int:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        if key not in self.values:
            raise NotFoundError(f"{key} is gone")
        return self.values[key]


@pytest.fixture
def source() -> Source:
    return Source()


@pytest.fixture
def cache(source: Source, clock: ManualClock) -> Iterator[RefreshingCache[str, int]]:
    made: RefreshingCache[str, int] = RefreshingCache(
        source.load, ttl_s=60, clock=clock, retry_after_s=30
    )
    yield made
    made.close()


def test_a_fresh_value_is_served_without_loading_again(
    cache: RefreshingCache[str, int], source: Source, clock: ManualClock
) -> None:
    assert cache.get("a") == 1
    source.values["a"] = 2
    clock.advance(59)
    assert cache.get("a") == 1
    assert source.calls == 1
    assert (cache.stats.misses, cache.stats.hits) == (1, 1)


def test_a_stale_value_is_served_while_one_refresh_runs(
    cache: RefreshingCache[str, int], source: Source, clock: ManualClock
) -> None:
    cache.get("a")
    source.values["a"] = 2
    clock.advance(61)
    assert cache.get("a") == 1
    assert cache.wait_for_refreshes()
    assert cache.get("a") == 2
    assert source.calls == 2
    assert (cache.stats.stale_served, cache.stats.refreshes) == (1, 1)


def test_failed_refreshes_keep_the_last_good_value_and_back_off(
    cache: RefreshingCache[str, int], source: Source, clock: ManualClock
) -> None:
    cache.get("a")
    source.failure = ServerUnavailableError("down")
    clock.advance(61)
    assert cache.get("a") == 1
    assert cache.wait_for_refreshes()
    for _ in range(5):
        assert cache.get("a") == 1
    assert cache.wait_for_refreshes()
    assert source.calls == 2  # no retry before retry_after_s
    assert cache.stats.refresh_failures == 1
    clock.advance(31)
    source.failure = None
    source.values["a"] = 3
    cache.get("a")
    assert cache.wait_for_refreshes()
    assert cache.get("a") == 3


def test_a_gone_value_is_dropped_and_the_next_get_raises(
    cache: RefreshingCache[str, int], source: Source, clock: ManualClock
) -> None:
    cache.get("a")
    del source.values["a"]
    clock.advance(61)
    assert cache.get("a") == 1  # stale-while-revalidate: this call does not wait
    assert cache.wait_for_refreshes()
    with pytest.raises(NotFoundError):
        cache.get("a")
    assert cache.stats.dropped == 1


def test_a_miss_raises_the_loaders_error(cache: RefreshingCache[str, int], source: Source) -> None:
    source.failure = ServerUnavailableError("down")
    with pytest.raises(ServerUnavailableError):
        cache.get("a")
    source.failure = None
    assert cache.get("a") == 1


def test_invalidate_forces_a_load(cache: RefreshingCache[str, int], source: Source) -> None:
    cache.get("a")
    source.values["a"] = 5
    cache.invalidate("a")
    assert cache.get("a") == 5


def test_the_ttl_must_be_positive(source: Source) -> None:
    with pytest.raises(ValueError, match="ttl_s"):
        RefreshingCache(source.load, ttl_s=0)
