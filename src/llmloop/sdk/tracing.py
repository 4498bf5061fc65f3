"""The tracing API an application uses: ``observe``, ``span``, ``context`` and span helpers.

Nesting follows OpenTelemetry's context (contextvars), so it holds across threads that copy
the context, asyncio tasks, and spans of the application's own OpenTelemetry tracers.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from contextvars import Token
from types import TracebackType
from typing import Any, TypeVar, overload

from llmloop.errors import ValidationError
from llmloop.sdk import attributes as names
from llmloop.sdk.runtime import get_recorder
from llmloop.sdk.spans import (
    ActiveSpan,
    LlmloopSpan,
    context_attributes,
    current_llmloop_span,
    release,
    use_span,
)

__all__ = [
    "ContextScope",
    "context",
    "current_span",
    "observe",
    "set_attributes",
    "set_input",
    "set_model",
    "set_output",
    "set_usage",
    "span",
]

F = TypeVar("F", bound=Callable[..., Any])


def _check_kind(kind: str) -> str:
    if kind not in names.SPAN_KINDS:
        raise ValidationError(
            f"span kind {kind!r} is not one of llmloop's kinds",
            hint=f"Use one of: {', '.join(sorted(names.SPAN_KINDS))}.",
        )
    return kind


def span(
    name: str, *, kind: str = "chain", attributes: Mapping[str, Any] | None = None
) -> ActiveSpan:
    """``with llmloop.span("retrieve", kind="retrieval") as s:`` - a span around a block."""
    return ActiveSpan(get_recorder(), name, _check_kind(kind), attributes)


def current_span() -> LlmloopSpan | None:
    """The innermost llmloop span of this context, or ``None``."""
    return current_llmloop_span()


def set_input(value: Any) -> None:
    """Record the input of the current span (no-op outside a span)."""
    current = current_llmloop_span()
    if current is not None:
        current.set_input(value)


def set_output(value: Any) -> None:
    """Record the output of the current span (no-op outside a span)."""
    current = current_llmloop_span()
    if current is not None:
        current.set_output(value)


def set_model(model: str, *, provider: str | None = None) -> None:
    """Record the model the current span called."""
    current = current_llmloop_span()
    if current is not None:
        current.set_model(model, provider=provider)


def set_usage(
    *,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    cached_tokens: int | None = None,
    cache_write_tokens: int | None = None,
    reasoning_tokens: int | None = None,
) -> None:
    """Record token usage on the current span (``input_tokens`` includes cached ones)."""
    current = current_llmloop_span()
    if current is not None:
        current.set_usage(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_tokens=cached_tokens,
            cache_write_tokens=cache_write_tokens,
            reasoning_tokens=reasoning_tokens,
        )


def set_attributes(attributes: Mapping[str, Any]) -> None:
    """Set attributes on the current span; invalid values are repaired, never raised."""
    current = current_llmloop_span()
    if current is not None:
        current.set_attributes(attributes)


class ContextScope:
    """Returned by :func:`context`; as a ``with`` block it restores the previous values."""

    def __init__(self, token: Token[Mapping[str, str] | None]) -> None:
        self._token = token

    def __enter__(self) -> ContextScope:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.reset()

    def reset(self) -> None:
        """Restore the values in force before :func:`context` was called."""
        try:
            context_attributes.reset(self._token)
        except ValueError:
            names.log_once("context-reset", "llmloop: context() was reset in another context")


def context(
    *,
    session_id: str | None = None,
    user_id: str | None = None,
    app: str | None = None,
    app_version: str | None = None,
    environment: str | None = None,
) -> ContextScope:
    """Tag every span started from now on in this context (task, thread, request).

    Values add to those already set; ``None`` leaves one unchanged. Call it once per request
    or session, or use it as ``with llmloop.context(user_id=...):``.
    """
    merged = dict(context_attributes.get() or {})
    for key, value in (
        (names.SESSION_ID, session_id),
        (names.USER_ID, user_id),
        (names.APP, app),
        (names.APP_VERSION, app_version),
        (names.ENVIRONMENT, environment),
    ):
        if value is not None:
            merged[key] = value if isinstance(value, str) else str(value)
    return ContextScope(context_attributes.set(merged))


# -- @observe ----------------------------------------------------------------------------------


# Code-object flags (as in the `inspect` module, which costs ~10 ms to import).
_CO_GENERATOR = 0x20
_CO_COROUTINE = 0x80
_CO_ASYNC_GENERATOR = 0x200


def _shape(function: Callable[..., Any]) -> str:
    """``async_generator``, ``generator``, ``coroutine`` or ``sync``."""
    code = getattr(function, "__code__", None)
    if code is None:  # a callable object or partial: let `inspect` decide
        import inspect

        if inspect.isasyncgenfunction(function):
            return "async_generator"
        if inspect.isgeneratorfunction(function):
            return "generator"
        return "coroutine" if inspect.iscoroutinefunction(function) else "sync"
    flags = code.co_flags
    if flags & _CO_ASYNC_GENERATOR:
        return "async_generator"
    if flags & _CO_GENERATOR:
        return "generator"
    if flags & _CO_COROUTINE or getattr(function, "_is_coroutine_marker", None) is not None:
        return "coroutine"
    return "sync"


def _argument_names(function: Callable[..., Any]) -> tuple[tuple[str, ...], bool]:
    for _ in range(100):  # through functools.wraps decorators, to the parameters' real names
        wrapped = getattr(function, "__wrapped__", None)
        if wrapped is None:
            break
        function = wrapped
    code = getattr(function, "__code__", None)
    if code is None:
        return (), False
    # Positional parameters are the first co_argcount local names (positional-only included).
    positional = tuple(code.co_varnames[: code.co_argcount])
    skip_first = bool(positional) and positional[0] in ("self", "cls")
    return positional, skip_first


def _input_of(
    positional: tuple[str, ...], skip_first: bool, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for index, value in enumerate(args):
        if index < len(positional):
            values[positional[index]] = value
        else:
            values.setdefault("args", []).append(value)
    if skip_first and positional and positional[0] in values:
        del values[positional[0]]
    values.update(kwargs)
    return values


class _Items:
    """The items a traced generator yielded, kept up to a cap (a stream may be endless)."""

    CAP = 100

    def __init__(self) -> None:
        self.kept: list[Any] = []
        self.more = 0

    def add(self, item: Any) -> None:
        if len(self.kept) < self.CAP:
            self.kept.append(item)
        else:
            self.more += 1

    def output(self) -> list[Any]:
        if self.more:
            return [*self.kept, f"... {self.more} more items"]
        return self.kept


@overload
def observe(function: F, /) -> F: ...


@overload
def observe(
    function: None = None,
    /,
    *,
    name: str | None = None,
    kind: str = "chain",
    capture_input: bool = True,
    capture_output: bool = True,
) -> Callable[[F], F]: ...


def observe(
    function: Any = None,
    /,
    *,
    name: str | None = None,
    kind: str = "chain",
    capture_input: bool = True,
    capture_output: bool = True,
) -> Any:
    """Trace every call of a function: sync, async, generator or async generator.

    ``@llmloop.observe`` or ``@llmloop.observe(kind="tool", name="search")``. The span records
    the arguments as input and the return value (or the yielded items) as output, unless
    told not to; an exception marks the span failed and propagates unchanged.
    """
    _check_kind(kind)

    def decorate(target: F) -> F:
        span_name = name or str(getattr(target, "__qualname__", "call"))
        wrapped: F = _wrap(target, span_name, kind, capture_input, capture_output)
        return wrapped

    if function is not None:
        return decorate(function)
    return decorate


def _wrap(  # noqa: C901 - four shapes of function, each a few lines
    target: Any, span_name: str, kind: str, capture_input: bool, capture_output: bool
) -> Any:
    positional, skip_first = _argument_names(target)
    shape = _shape(target)

    def start(args: tuple[Any, ...], kwargs: dict[str, Any]) -> LlmloopSpan:
        new = get_recorder().start(span_name, kind)
        if capture_input and new.recording:
            new.set_input(_input_of(positional, skip_first, args, kwargs))
        return new

    def finish(current: LlmloopSpan, result: Any) -> None:
        if capture_output and current.recording:
            current.set_output(result)
        current.end()

    if shape == "async_generator":

        @functools.wraps(target)
        async def async_generator(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
            current = start(args, kwargs)
            items = _Items()
            inner = target(*args, **kwargs)
            action: Any = inner.asend
            argument: Any = None
            try:
                while True:
                    token = use_span(current)  # the body runs in its span, between yields not
                    try:
                        item = await action(argument)
                    except StopAsyncIteration:
                        break
                    finally:
                        release(token)
                    items.add(item)
                    try:
                        argument = yield item
                        action = inner.asend
                    except GeneratorExit:
                        await inner.aclose()
                        raise
                    except BaseException as thrown:  # athrow(): hand it to the generator
                        action, argument = inner.athrow, thrown
            except BaseException as exc:
                if not isinstance(exc, GeneratorExit):
                    current.set_error(exc)
                finish(current, items.output())
                raise
            finish(current, items.output())

        return async_generator

    if shape == "generator":

        @functools.wraps(target)
        def generator(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            current = start(args, kwargs)
            items = _Items()
            inner = target(*args, **kwargs)
            action: Any = inner.send
            argument: Any = None
            try:
                while True:
                    token = use_span(current)
                    try:
                        item = action(argument)
                    except StopIteration as stop:
                        result = stop.value
                        break
                    finally:
                        release(token)
                    items.add(item)
                    try:
                        argument = yield item
                        action = inner.send
                    except GeneratorExit:
                        inner.close()
                        raise
                    except BaseException as thrown:  # throw(): hand it to the generator
                        action, argument = inner.throw, thrown
            except BaseException as exc:
                if not isinstance(exc, GeneratorExit):
                    current.set_error(exc)
                finish(current, items.output())
                raise
            finish(current, items.output())
            return result

        return generator

    if shape == "coroutine":

        @functools.wraps(target)
        async def coroutine(*args: Any, **kwargs: Any) -> Any:
            current = start(args, kwargs)
            token = use_span(current)
            try:
                result = await target(*args, **kwargs)
            except BaseException as exc:
                release(token)
                current.set_error(exc)
                current.end()
                raise
            release(token)
            finish(current, result)
            return result

        return coroutine

    @functools.wraps(target)
    def sync(*args: Any, **kwargs: Any) -> Any:
        current = start(args, kwargs)
        token = use_span(current)
        try:
            result = target(*args, **kwargs)
        except BaseException as exc:
            release(token)
            current.set_error(exc)
            current.end()
            raise
        release(token)
        finish(current, result)
        return result

    return sync
