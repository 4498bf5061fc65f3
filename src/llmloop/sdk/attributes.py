"""Span attribute names the SDK writes, and how it makes any value safe to record.

Names follow llmloop's own ``llmloop.*`` keys plus the OpenTelemetry GenAI conventions
(``gen_ai.*``) and OpenInference's ``input.value`` / ``output.value``, which trace ingestion
maps onto a stored span. A value the application hands over is never allowed to raise: it is
kept as is when OpenTelemetry accepts it, else stringified, truncated or dropped, and each
repair is counted (:class:`Repairs`) and logged once per kind.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Final

__all__ = [
    "APP",
    "APP_VERSION",
    "CONTENT_KEYS",
    "ENVIRONMENT",
    "ERROR_TYPE",
    "INPUT_MESSAGES",
    "INPUT_VALUE",
    "KIND",
    "OUTPUT_MESSAGES",
    "OUTPUT_VALUE",
    "SESSION_ID",
    "SPAN_KINDS",
    "TIME_TO_FIRST_TOKEN_MS",
    "USER_ID",
    "Repairs",
    "log_once",
    "repairs",
    "safe_attribute",
    "to_text",
]

logger = logging.getLogger("llmloop.sdk")

KIND: Final = "llmloop.kind"
SESSION_ID: Final = "llmloop.session_id"
USER_ID: Final = "llmloop.user_id"
APP: Final = "llmloop.app"
APP_VERSION: Final = "llmloop.app_version"
ENVIRONMENT: Final = "llmloop.environment"
TIME_TO_FIRST_TOKEN_MS: Final = "llmloop.time_to_first_token_ms"  # noqa: S105
INPUT_VALUE: Final = "input.value"
OUTPUT_VALUE: Final = "output.value"
INPUT_MESSAGES: Final = "gen_ai.input.messages"
OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"
TOOL_DEFINITIONS: Final = "gen_ai.tool.definitions"
ERROR_TYPE: Final = "error.type"
REQUEST_MODEL: Final = "gen_ai.request.model"
RESPONSE_MODEL: Final = "gen_ai.response.model"
PROVIDER: Final = "gen_ai.provider.name"
INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
CACHE_READ_TOKENS: Final = "gen_ai.usage.cache_read.input_tokens"
CACHE_WRITE_TOKENS: Final = "gen_ai.usage.cache_write.input_tokens"
REASONING_TOKENS: Final = "gen_ai.usage.reasoning.output_tokens"

#: The span kinds of DESIGN.md; ``llmloop.kind`` holds one of them.
SPAN_KINDS: Final = frozenset(
    {"llm", "retrieval", "rerank", "embedding", "tool", "agent", "chain", "guardrail", "evaluator"}
)

#: Attributes that carry message content: ``capture_content=False`` never records them and the
#: masking hook sees each of them before a span leaves the process.
CONTENT_KEYS: Final = frozenset(
    {
        INPUT_VALUE,
        OUTPUT_VALUE,
        INPUT_MESSAGES,
        OUTPUT_MESSAGES,
        SYSTEM_INSTRUCTIONS,
        "exception.message",
        "exception.stacktrace",
    }
)

_PRIMITIVES: Final = (str, bool, int, float)
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


class Repairs:
    """Counts of values the SDK had to repair; each kind is logged once per process."""

    KINDS: Final = ("stringified", "truncated", "dropped")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(self.KINDS, 0)

    def count(self, kind: str, key: str) -> None:
        """Count one repair of *kind* on attribute *key*; log the first of each kind."""
        with self._lock:
            self._counts[kind] += 1
            first = self._counts[kind] == 1
        if first:
            log_once(
                f"repair:{kind}",
                "llmloop: an attribute value was %s (first one: %r); later ones are only "
                "counted, see llmloop.flush().repaired",
                kind,
                key,
            )

    def snapshot(self) -> dict[str, int]:
        """The counts so far."""
        with self._lock:
            return dict(self._counts)


repairs = Repairs()

_logged: set[str] = set()
_logged_lock = threading.Lock()


def log_once(key: str, message: str, *args: object) -> None:
    """Log a warning the first time *key* is seen in this process, never again."""
    with _logged_lock:
        if key in _logged:
            return
        _logged.add(key)
    logger.warning(message, *args)


def forget_logged() -> None:
    """Let every once-per-process warning be logged again (for tests)."""
    with _logged_lock:
        _logged.clear()


def _truncate(text: str, limit: int, key: str) -> str:
    if len(text) <= limit:
        return text
    repairs.count("truncated", key)
    return f"{text[:limit]}…[truncated {len(text) - limit} chars]"


def to_text(value: Any, key: str, limit: int) -> str:
    """Render *value* as text for a content attribute: strings as is, the rest as JSON.

    What JSON cannot encode is stringified (and counted); a ``str()`` that raises becomes a
    placeholder naming the type. The result is at most *limit* characters plus a marker.
    """
    if isinstance(value, str):
        return value if len(value) <= limit else _truncate(value, limit, key)
    stringified = False

    def fallback(item: Any) -> Any:
        nonlocal stringified
        stringified = True
        if hasattr(item, "model_dump") and callable(item.model_dump):
            try:
                return item.model_dump(mode="json", exclude_none=True)
            except Exception:  # noqa: S110 - falls through to str() below
                pass
        return _safe_str(item)

    try:
        text = json.dumps(value, default=fallback, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        stringified = True
        text = _safe_str(value)
    if stringified and not _is_pydantic(value):
        repairs.count("stringified", key)
    return _truncate(text, limit, key)


def _is_pydantic(value: Any) -> bool:
    return hasattr(value, "model_dump")


def _safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def safe_attribute(key: Any, value: Any, limit: int) -> tuple[str, Any] | None:
    """Return ``(key, value)`` that OpenTelemetry accepts, or ``None`` to drop the attribute.

    Primitives pass (long strings are truncated); homogeneous sequences of primitives become
    tuples; ``None``, a non-string key and integers beyond int64 are dropped or stringified;
    mappings and anything else become JSON or ``str()``. Every repair is counted.
    """
    if not isinstance(key, str) or not key:
        repairs.count("dropped", _safe_str(key))
        return None
    kind = type(value)
    if kind is str:
        return key, value if len(value) <= limit else _truncate(value, limit, key)
    if kind is bool or kind is float:
        return key, value
    if kind is int:
        if _INT64_MIN <= value <= _INT64_MAX:
            return key, value
        repairs.count("stringified", key)
        return key, str(value)
    if value is None:
        repairs.count("dropped", key)
        return None
    if isinstance(value, str):  # a str subclass: keep its text, not its type
        repairs.count("stringified", key)
        return key, _truncate(str.__str__(value), limit, key)
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        items = tuple(value)
        first = type(items[0]) if items else str
        if first in _PRIMITIVES and all(type(item) is first for item in items):
            if first is str:
                items = tuple(_truncate(item, limit, key) for item in items)
            return key, items
    if isinstance(value, Mapping | Sequence):
        repairs.count("stringified", key)
        return key, to_text(value, key, limit)
    if not isinstance(value, _PRIMITIVES):
        repairs.count("stringified", key)
        return key, _truncate(_safe_str(value), limit, key)
    # Subclasses of primitives (enums, numpy scalars): record their plain value.
    repairs.count("stringified", key)
    return key, _truncate(_safe_str(value), limit, key)
