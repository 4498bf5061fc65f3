"""The offline ``local`` model: extractive answers from the context it is given.

What it is: a deterministic reader that picks the context sentence that best matches the
question (see :mod:`~llmloop.build.providers.local_reading`), shortens and shapes it as the
instructions ask (see :mod:`~llmloop.build.providers.local_format`), or says it does not know
when nothing in the context matches. It needs no key, no network and no download, and the same
messages always give byte-identical answers, so the demo, the tests and evaluations are
reproducible.

What it is not: a language model. It does not paraphrase, reason across sentences, follow
arbitrary instructions or know anything beyond the given context. Offered tools, it calls them
by word match (see :mod:`~llmloop.build.providers.local_tools`), deterministically too. Its quality
depends on the context and on how clearly the prompt marks it, which is the point: a spec
with worse retrieval or a sloppier prompt scores measurably lower.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import AsyncIterator, Iterator

from llmloop.build.providers.local_format import compose, parse_format
from llmloop.build.providers.local_reading import content_terms, rank_sentences, read_messages
from llmloop.build.providers.local_tools import plan_text, wanted_tool_calls
from llmloop.build.providers.runtime import ProviderRuntime
from llmloop.domain.chat import (
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    FinishReason,
    StreamCompleted,
    StreamEvent,
    TextDelta,
    TokenUsage,
)
from llmloop.errors import ContextLengthError, UnknownModelError

__all__ = [
    "EMBEDDING_DIMENSIONS",
    "LOCAL_MODELS",
    "MAX_INPUT_TOKENS",
    "LocalProvider",
    "count_tokens",
]

LOCAL_MODELS = ("extractive",)
MAX_INPUT_TOKENS = 32_768
EMBEDDING_DIMENSIONS = 256
# A sentence must hold at least this share of the question's (rarity-weighted) words.
_MIN_COVERAGE = 0.5
_TOKEN = re.compile(r"\w+|[^\w\s]")
_STREAM_PIECE = re.compile(r"\S+\s*")


def count_tokens(text: str) -> int:
    """The local model's token count: words and punctuation marks."""
    return len(_TOKEN.findall(text))


class LocalProvider:
    """A provider profile of kind ``local`` (the built-in profile ``local`` is one)."""

    def __init__(self, runtime: ProviderRuntime) -> None:
        self.name = runtime.name
        self.runtime = runtime

    def close(self) -> None:
        """Nothing to release."""

    def _check_model(self, model: str) -> None:
        if model not in LOCAL_MODELS:
            raise UnknownModelError(
                f"the local provider has no model {model!r}",
                hint=f"Use one of: {', '.join(LOCAL_MODELS)} (e.g. 'local/extractive').",
            )

    def answer(self, request: ChatRequest) -> tuple[str, FinishReason, TokenUsage]:
        """The answer text, why it stopped and the token usage: the whole model, no timing."""
        self._check_model(request.model)
        input_tokens = sum(count_tokens(message.content) for message in request.messages)
        if input_tokens > MAX_INPUT_TOKENS:
            raise ContextLengthError(
                f"the conversation has {input_tokens} tokens; the local model reads at most "
                f"{MAX_INPUT_TOKENS}",
                hint="Send less context (fewer or shorter retrieved passages).",
            )
        reading = read_messages(request.messages)
        fmt = parse_format(reading.instructions)
        ranked = rank_sentences(reading.context, reading.question)
        best = ranked[0] if ranked else None
        if best is not None and best.coverage >= _MIN_COVERAGE:
            text = compose(best.text, best.text, best.coverage, fmt, reading.question)
        else:
            text = compose(None, None, 0.0, fmt, reading.question)
        finish = FinishReason.STOP
        if request.max_tokens is not None and count_tokens(text) > request.max_tokens:
            pieces = _STREAM_PIECE.findall(text)
            kept: list[str] = []
            for piece in pieces:
                if count_tokens("".join([*kept, piece])) > request.max_tokens:
                    break
                kept.append(piece)
            text, finish = "".join(kept).rstrip(), FinishReason.LENGTH
        usage = TokenUsage(input_tokens=input_tokens, output_tokens=count_tokens(text))
        return text, finish, usage

    def _response(self, request: ChatRequest, started: float) -> ChatResponse:
        calls = wanted_tool_calls(request)
        plan = None if calls else plan_text(request)
        if calls or plan is not None:
            self._check_model(request.model)
            written = plan if plan is not None else json.dumps([c.model_dump() for c in calls])
            text = plan or ""
            finish = FinishReason.TOOL_CALLS if calls else FinishReason.STOP
            usage = TokenUsage(
                input_tokens=sum(count_tokens(m.content) for m in request.messages),
                output_tokens=count_tokens(written),
            )
        else:
            text, finish, usage = self.answer(request)
        return ChatResponse(
            text=text,
            tool_calls=tuple(calls),
            finish_reason=finish,
            usage=usage,
            cost_usd=self.runtime.cost_usd(request.model, usage),
            latency_ms=self.runtime.elapsed_ms(started),
            provider=self.name,
            provider_model=f"local/{request.model}",
        )

    def chat(self, request: ChatRequest) -> ChatResponse:
        """Answer *request* from the context in its messages."""
        started = self.runtime.clock.monotonic()
        with self.runtime.limit.slot():
            return self._response(request, started)

    async def achat(self, request: ChatRequest) -> ChatResponse:
        """The async twin of :meth:`chat` (the work is quick and CPU-bound)."""
        started = self.runtime.clock.monotonic()
        async with self.runtime.limit.aslot():
            return self._response(request, started)

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """Yield the answer a word at a time, then the whole response."""
        response = self.chat(request)
        for piece in _STREAM_PIECE.findall(response.text):
            yield TextDelta(text=piece)
        yield StreamCompleted(response=response)

    async def astream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """The async twin of :meth:`stream`."""
        response = await self.achat(request)
        for piece in _STREAM_PIECE.findall(response.text):
            yield TextDelta(text=piece)
        yield StreamCompleted(response=response)

    def embed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        """Hashed bag-of-words vectors: texts sharing words point the same way."""
        self._check_model(request.model)
        started = self.runtime.clock.monotonic()
        vectors = tuple(_hashed_vector(text) for text in request.inputs)
        usage = TokenUsage(input_tokens=sum(count_tokens(text) for text in request.inputs))
        return EmbeddingResponse(
            vectors=vectors,
            usage=usage,
            cost_usd=self.runtime.cost_usd(request.model, usage),
            latency_ms=self.runtime.elapsed_ms(started),
            provider=self.name,
            provider_model=f"local/{request.model}",
        )

    async def aembed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        """The async twin of :meth:`embed`."""
        return self.embed(request)


def _hashed_vector(text: str) -> tuple[float, ...]:
    """A unit vector of signed feature hashes of the text's content words."""
    values = [0.0] * EMBEDDING_DIMENSIONS
    for term in content_terms(text):
        digest = hashlib.blake2b(term.encode(), digest_size=8).digest()
        index = int.from_bytes(digest[:4], "big") % EMBEDDING_DIMENSIONS
        values[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in values))
    if norm == 0:
        return tuple(values)
    return tuple(round(v / norm, 8) for v in values)
