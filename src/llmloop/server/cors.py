"""CORS for the one browser-facing endpoint, ``/api/v1/feedback``, and for nothing else.

Web pages post end-user feedback straight to llmloop with a public feedback key, so that
endpoint answers CORS preflights and marks its replies for the allowed origins
(``feedback_allowed_origins``). Every other endpoint stays without CORS headers: a browser on
another origin cannot read or call it.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["FEEDBACK_PATH", "FeedbackCorsMiddleware"]

FEEDBACK_PATH = "/api/v1/feedback"
_PREFLIGHT_MAX_AGE_S = 600


class FeedbackCorsMiddleware:
    """Apply Starlette's CORS handling to ``/api/v1/feedback`` only."""

    def __init__(self, app: ASGIApp, *, allowed_origins: Sequence[str]) -> None:
        self._app = app
        self._cors = CORSMiddleware(
            app,
            allow_origins=list(allowed_origins),
            allow_methods=["POST"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
            max_age=_PREFLIGHT_MAX_AGE_S,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route feedback requests through CORS handling; pass everything else through."""
        if scope["type"] == "http" and scope["path"].rstrip("/") == FEEDBACK_PATH:
            await self._cors(scope, receive, send)
            return
        await self._app(scope, receive, send)
