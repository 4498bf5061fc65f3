"""Reversible patching of client-library methods, and the shared span bookkeeping of LLM calls.

Everything here runs inside the application's call, so every step that is not the library's
own work is wrapped to log once and carry on: instrumentation never raises into the app.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from llmloop.sdk import attributes as names
from llmloop.sdk.attributes import log_once
from llmloop.sdk.runtime import get_recorder
from llmloop.sdk.spans import LlmloopSpan

__all__ = [
    "LlmCall",
    "in_instrumented_call",
    "patch",
    "require",
    "restore",
    "safely",
]

_patches: dict[tuple[int, str], tuple[Any, str, Any, str]] = {}
_patch_lock = threading.Lock()

#: True while an instrumented call runs: lets the anthropic SDK's own span step aside.
in_instrumented_call: ContextVar[bool] = ContextVar("llmloop_instrumented_call", default=False)


def patch(owner: Any, attribute: str, make: Callable[[Any], Any], library: str) -> None:
    """Replace ``owner.attribute`` by ``make(original)``; a second call is a no-op."""
    key = (id(owner), attribute)
    with _patch_lock:
        if key in _patches:
            return
        original = owner.__dict__[attribute]
        setattr(owner, attribute, make(original))
        _patches[key] = (owner, attribute, original, library)


def restore(library: str) -> int:
    """Undo every patch made for *library*; return how many were undone."""
    with _patch_lock:
        undone = [key for key, entry in _patches.items() if entry[3] == library]
        for key in undone:
            owner, attribute, original, _ = _patches.pop(key)
            setattr(owner, attribute, original)
    return len(undone)


def require(library: str) -> None:
    """Raise a clear error when *library* is not installed."""
    import importlib.util

    if importlib.util.find_spec(library) is None:
        from llmloop.errors import ConfigurationError

        raise ConfigurationError(
            f"cannot instrument {library!r}: the package is not installed",
            hint=f"Install it (pip install {library}) or use llmloop.instrument(), which "
            "instruments only the libraries that are installed.",
        )


def safely(what: str, action: Callable[..., Any], *args: Any) -> Any:
    """Run instrumentation bookkeeping; a failure is logged once and swallowed."""
    try:
        return action(*args)
    except Exception as exc:
        log_once(
            f"instrumentation:{what}",
            "llmloop: instrumentation step %r failed (%s); the call itself is unaffected",
            what,
            type(exc).__name__,
        )
        return None


def get(item: Any, key: str, default: Any = None) -> Any:
    """``item[key]`` for mappings, ``item.key`` for objects (SDK models), else *default*."""
    if item is None:
        return default
    if isinstance(item, Mapping):
        return item.get(key, default)
    return getattr(item, key, default)


def plain(value: Any) -> Any:
    """SDK models and iterables as JSON-ready data (for message attributes)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


class LlmCall:
    """One LLM call's span: request attributes up front, response and stream data after."""

    def __init__(self, name: str, provider: str, request: Mapping[str, Any]) -> None:
        self.span: LlmloopSpan = get_recorder().start(name, "llm")
        self.started_ns = time.monotonic_ns()
        self.first_token_ns = 0
        self.ended = False
        span = self.span
        span.set_attribute(names.PROVIDER, provider)
        span.set_attribute("gen_ai.operation.name", "chat")
        model = request.get("model")
        if isinstance(model, str):
            span.set_attribute(names.REQUEST_MODEL, model)

    def set_parameters(self, request: Mapping[str, Any], keys: Iterable[tuple[str, str]]) -> None:
        """Copy request parameters that are set (``temperature``...) to attributes."""
        for source, target in keys:
            value = request.get(source)
            if isinstance(value, bool | int | float | str):
                self.span.set_attribute(target, value)

    def set_content(self, key: str, value: Any) -> None:
        """Record message content as JSON, unless content capture is off."""
        span = self.span
        if span.recording and span.recorder.capture_content and value is not None:
            span.attributes[key] = names.to_text(plain(value), key, span.recorder.max_value_chars)

    def mark_first_token(self) -> None:
        """Note the time to the first streamed token (once)."""
        if not self.first_token_ns:
            self.first_token_ns = time.monotonic_ns()
            self.span.set_attribute(
                names.TIME_TO_FIRST_TOKEN_MS, (self.first_token_ns - self.started_ns) / 1e6
            )

    def set_output(self, text: str, tool_calls: list[dict[str, Any]]) -> None:
        """The answer: its text, or the whole assistant message when it calls tools."""
        if tool_calls:
            self.set_content(
                names.OUTPUT_VALUE,
                {"role": "assistant", "content": text or None, "tool_calls": tool_calls},
            )
            self.span.set_attribute("llmloop.tool_call_count", len(tool_calls))
            names_called = [str(call.get("name", "")) for call in tool_calls]
            self.span.set_attribute("gen_ai.tool.names", names_called)
        else:
            self.set_content(names.OUTPUT_VALUE, text)

    def fail(self, exc: BaseException) -> None:
        """End the span as failed."""
        if self.ended:
            return
        self.ended = True
        self.span.set_error(exc)
        status = getattr(exc, "status_code", None)
        if isinstance(status, int):
            self.span.set_attribute("http.response.status_code", status)
        self.span.end()

    def end(self) -> None:
        """End the span (once)."""
        if not self.ended:
            self.ended = True
            self.span.end()


def tool_definitions(tools: Any) -> str | None:
    """Tool definitions as a JSON string, or ``None``."""
    if not tools:
        return None
    try:
        return json.dumps(plain(tools), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return None
