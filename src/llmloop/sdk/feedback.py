"""End-user feedback from application code: ``llmloop.feedback(trace_id, thumbs=True)``.

Like tracing, recording feedback never raises into the application at run time: a store or
server that is down, a refused key, a rating outside the project's configured range or a
conflicting idempotency key come back as a :class:`FeedbackResult` with ``ok`` False and the
error's message, are logged as a warning and counted (:func:`failure_count`). Arguments that
can never be right — neither or both of thumbs and rating, a malformed trace id, a comment
over 2,000 characters — are programming errors and raise ``ValidationError`` at once, before
anything is sent.
"""

from __future__ import annotations

import atexit
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmloop.errors import LlmloopError

if TYPE_CHECKING:
    from llmloop.client.protocols import Client
    from llmloop.domain.scores import Score

__all__ = ["FeedbackResult", "close_default_client", "failure_count", "feedback"]

logger = logging.getLogger("llmloop.sdk.feedback")

_lock = threading.Lock()
_default_client: Client | None = None
_failures = 0


@dataclass(frozen=True)
class FeedbackResult:
    """What became of one feedback call: the stored score, or why it was not stored."""

    score: Score | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the feedback is stored."""
        return self.score is not None


def failure_count() -> int:
    """How many feedback calls in this process failed at run time (not stored)."""
    with _lock:
        return _failures


def _default() -> Client:
    global _default_client
    with _lock:
        if _default_client is None:
            from llmloop.client import connect
            from llmloop.settings import load_settings

            _default_client = connect(load_settings())
            atexit.register(close_default_client)
        return _default_client


def close_default_client() -> None:
    """Close the client behind :func:`feedback`; the next call connects again."""
    global _default_client
    with _lock:
        client, _default_client = _default_client, None
    if client is not None:
        client.close()


def _failed(error: Exception) -> FeedbackResult:
    global _failures
    with _lock:
        _failures += 1
    message = str(error) if isinstance(error, LlmloopError) else type(error).__name__
    logger.warning("llmloop feedback was not recorded: %s", message)
    return FeedbackResult(score=None, error=message)


def feedback(
    trace_id: str,
    *,
    thumbs: bool | None = None,
    rating: float | None = None,
    comment: str | None = None,
    span_id: str | None = None,
    user_id: str | None = None,
    idempotency_key: str | None = None,
    client: Client | None = None,
) -> FeedbackResult:
    """Record an end user's thumbs up/down or rating of a trace; never raises at run time.

    The store or server comes from the settings (``LLMLOOP_SERVER_URL`` and
    ``LLMLOOP_API_KEY``, else the embedded store) unless *client* is given.
    """
    from llmloop.domain.scores import Feedback, parse_model

    # Programming errors surface at once (see the module's docstring).
    checked = parse_model(
        Feedback,
        {
            "trace_id": trace_id,
            "thumbs": thumbs,
            "rating": rating,
            "comment": comment,
            "span_id": span_id,
            "user_id": user_id,
            "idempotency_key": idempotency_key,
        },
        what="feedback",
    )
    try:
        target = client if client is not None else _default()
        score = target.scores.feedback(
            checked.trace_id,
            thumbs=checked.thumbs,
            rating=checked.rating,
            comment=checked.comment,
            span_id=checked.span_id,
            user_id=checked.user_id,
            idempotency_key=checked.idempotency_key,
        )
    except Exception as error:  # feedback must never break the application
        return _failed(error)
    return FeedbackResult(score=score)
