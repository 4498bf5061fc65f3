"""What every instrumented client library shares: the traced call and the traced stream.

A library module supplies its hooks (how a request starts a span, how a response is recorded,
how stream items accumulate); the wrappers here run the original method inside the span, hand
back a stream that ends the span when it ends, and never let bookkeeping raise into the app.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from llmloop.sdk.instrumentation._patching import LlmCall, in_instrumented_call, safely
from llmloop.sdk.spans import release, use_span

__all__ = [
    "AsyncTracedStream",
    "CallHooks",
    "StreamObserver",
    "TracedStream",
    "calling",
    "wrap_async_create",
    "wrap_create",
]


class StreamObserver(Protocol):
    """Accumulates streamed items into the call's span."""

    def add(self, item: Any) -> None:
        """Observe one chunk or event."""
        ...

    def finish(self) -> None:
        """Record what was streamed and end the span."""
        ...


@dataclass(frozen=True)
class CallHooks:
    """How one library's calls become spans."""

    label: str
    start: Callable[[Mapping[str, Any]], LlmCall]
    record_response: Callable[[LlmCall, Any], None]
    observer: Callable[[LlmCall], StreamObserver]


@contextlib.contextmanager
def calling(call: LlmCall, label: str) -> Iterator[None]:
    """Run the original method with *call*'s span current and a failure recorded on it."""
    token = use_span(call.span)
    flag = in_instrumented_call.set(True)
    try:
        yield
    except BaseException as exc:
        safely(f"{label}-error", call.fail, exc)
        raise
    finally:
        in_instrumented_call.reset(flag)
        release(token)


class _StreamEnd:
    """Ends the span once: at the stream's end, on close, or when a half-read stream is dropped."""

    def __init__(self, stream: Any, call: LlmCall, hooks: CallHooks) -> None:
        self._stream = stream
        self._call = call
        self._label = hooks.label
        self._observer = hooks.observer(call)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _observe(self, item: Any) -> None:
        safely(f"{self._label}-stream-item", self._observer.add, item)

    def _fail(self, exc: BaseException) -> None:
        safely(f"{self._label}-stream-error", self._call.fail, exc)

    def _end(self) -> None:
        if not self._call.ended:
            safely(f"{self._label}-stream-end", self._observer.finish)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # never raise from a finaliser
            self._end()


class TracedStream(_StreamEnd):
    """Wraps a library's sync stream: observes each item, ends the span when it ends."""

    def __init__(self, stream: Any, call: LlmCall, hooks: CallHooks) -> None:
        super().__init__(stream, call, hooks)
        self._iterator = iter(stream)

    def __iter__(self) -> TracedStream:
        return self

    def __next__(self) -> Any:
        try:
            item = next(self._iterator)
        except StopIteration:
            self._end()
            raise
        except BaseException as exc:
            self._fail(exc)
            raise
        self._observe(item)
        return item

    def __enter__(self) -> TracedStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the response; the span ends with what was read."""
        try:
            self._stream.close()
        finally:
            self._end()


class AsyncTracedStream(_StreamEnd):
    """Wraps a library's async stream like :class:`TracedStream`."""

    def __init__(self, stream: Any, call: LlmCall, hooks: CallHooks) -> None:
        super().__init__(stream, call, hooks)
        self._iterator = stream.__aiter__()

    def __aiter__(self) -> AsyncTracedStream:
        return self

    async def __anext__(self) -> Any:
        try:
            item = await self._iterator.__anext__()
        except StopAsyncIteration:
            self._end()
            raise
        except BaseException as exc:
            self._fail(exc)
            raise
        self._observe(item)
        return item

    async def __aenter__(self) -> AsyncTracedStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the response; the span ends with what was read."""
        try:
            await self._stream.close()
        finally:
            self._end()


def _finish(call: LlmCall, hooks: CallHooks, result: Any) -> Any:
    safely(f"{hooks.label}-response", hooks.record_response, call, result)
    call.end()
    return result


def wrap_create(original: Any, hooks: CallHooks) -> Any:
    """Trace a sync ``create(...)``; ``stream=True`` returns a :class:`TracedStream`."""

    @functools.wraps(original)
    def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = safely(f"{hooks.label}-start", hooks.start, kwargs)
        if call is None:
            return original(self, *args, **kwargs)
        with calling(call, hooks.label):
            result = original(self, *args, **kwargs)
        if kwargs.get("stream"):
            return TracedStream(result, call, hooks)
        return _finish(call, hooks, result)

    return create


def wrap_async_create(original: Any, hooks: CallHooks) -> Any:
    """Trace an async ``create(...)``; ``stream=True`` returns an :class:`AsyncTracedStream`."""

    @functools.wraps(original)
    async def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = safely(f"{hooks.label}-start", hooks.start, kwargs)
        if call is None:
            return await original(self, *args, **kwargs)
        with calling(call, hooks.label):
            result = await original(self, *args, **kwargs)
        if kwargs.get("stream"):
            return AsyncTracedStream(result, call, hooks)
        return _finish(call, hooks, result)

    return create
