"""The small interface every model provider implements, sync and async.

A provider is one configured endpoint (a settings profile): it answers chat requests, whole
or streamed, and, where the provider has them, embeds texts. Adapters translate the
provider's own errors into llmloop's (see ``llmloop.errors``) at this edge, so callers never
see an SDK exception.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Protocol, runtime_checkable

from llmloop.domain.chat import (
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    StreamEvent,
)

__all__ = ["EmbeddingProvider", "ModelProvider"]


@runtime_checkable
class ModelProvider(Protocol):
    """Chat with a model: whole answers or streams, from threads or event loops.

    A stream yields ``TextDelta`` events and ends with exactly one ``StreamCompleted``
    carrying the whole response (text, tool calls, usage, cost).
    """

    name: str

    def chat(self, request: ChatRequest) -> ChatResponse:
        """Send *request* and return the whole answer."""
        ...

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """Send *request* and yield the answer as it is produced."""
        ...

    async def achat(self, request: ChatRequest) -> ChatResponse:
        """The async twin of :meth:`chat`."""
        ...

    def astream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """The async twin of :meth:`stream`."""
        ...

    def close(self) -> None:
        """Release connections; the provider must not be used afterwards."""
        ...


@runtime_checkable
class EmbeddingProvider(Protocol):
    """Turn texts into vectors (OpenAI-compatible endpoints and the local model have this)."""

    name: str

    def embed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        """Return one vector per input text."""
        ...

    async def aembed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        """The async twin of :meth:`embed`."""
        ...
