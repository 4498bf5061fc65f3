"""Fixtures for SDK tests: tracing into memory or into a fake collector, reset after each test."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from llmloop.sdk import attributes, runtime
from llmloop.sdk.otlp import spans_in
from llmloop.sdk.sinks import ExportOutcome
from tests.sdk.fakes import FakeCollector


class MemorySink:
    """A sink that keeps every exported span and the thread that exported it."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def export(self, request: Any, span_count: int) -> ExportOutcome:
        with self.lock:
            self.spans.extend(spans_in(request))
            self.threads.add(threading.current_thread().name)
        return ExportOutcome(span_count)

    def close(self) -> None:
        return None

    def by_name(self, name: str) -> Span:
        matches = [span for span in self.spans if span.name == name]
        assert len(matches) == 1, f"{len(matches)} spans named {name!r}"
        return matches[0]


@pytest.fixture(autouse=True)
def _reset_tracing() -> Iterator[None]:
    """No test sees another test's tracing configuration (or its once-per-process logs)."""
    attributes.forget_logged()
    yield
    runtime.reset_for_tests()


@pytest.fixture
def memory_sink() -> MemorySink:
    """Tracing configured into memory with the defaults; call llmloop.flush() to read."""
    sink = MemorySink()
    runtime.configure(sink=sink)
    return sink


@pytest.fixture
def traced_into() -> Callable[..., MemorySink]:
    """Configure tracing into a fresh memory sink with the given options."""

    def make(**options: Any) -> MemorySink:
        sink = MemorySink()
        runtime.configure(sink=sink, **options)
        return sink

    return make


@pytest.fixture
def collector() -> Iterator[FakeCollector]:
    """A fake OTLP/HTTP collector on loopback."""
    fake = FakeCollector()
    fake.start()
    yield fake
    fake.stop()
