"""Retrieval traced with llmloop's tracer: a ``retrieval`` span and, with reranking, a ``rerank``.

:func:`answer` is a ready-made RAG app for ``kind: python`` specs: its config chooses the
documents, chunking, retrieval and rerank, so two versions that differ only there are two app
versions with their own hashes, evaluated and released like any other.

Both spans record the chunks (ids, text, scores, source, offsets) as their output, so an
evaluation can compute context metrics from the trace and an answer's citations can be checked
against what was retrieved.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from llmloop.build.rag.documents import load_documents
from llmloop.build.rag.index_cache import IndexCache
from llmloop.build.rag.retrieval import RagPipeline, RetrievalResult
from llmloop.domain.rag import parse_chunking, parse_rerank, parse_retrieval
from llmloop.errors import ValidationError
from llmloop.sdk import tracing

__all__ = ["answer", "context_prompt", "traced_retrieve", "use_index_cache"]


def traced_retrieve(pipeline: RagPipeline, query: str) -> RetrievalResult:
    """Retrieve (and rerank) for *query*, recording a span for each stage."""
    with tracing.span(f"retrieve {pipeline.retrieval.retriever}", kind="retrieval") as span:
        span.set_input(query)
        span.set_attribute("llmloop.retrieval.retriever", pipeline.retrieval.retriever)
        span.set_attribute("llmloop.retrieval.top_k", pipeline.retrieval.top_k)
        span.set_attribute("llmloop.retrieval.index_key", pipeline.index.key)
        result = pipeline.retrieve(query)
        span.set_output([item.as_record() for item in result.retrieved])
    if result.reranked is not None:
        with tracing.span(f"rerank {result.rerank_method}", kind="rerank") as span:
            span.set_input([item.chunk.id for item in result.retrieved])
            span.set_attribute("llmloop.rerank.method", result.rerank_method)
            span.set_attribute("llmloop.rerank.diversity", pipeline.rerank.diversity)
            span.set_output([item.as_record() for item in result.reranked])
    return result


_CACHES: dict[Path, IndexCache] = {}
_CACHES_LOCK = threading.Lock()
_CHOSEN: list[IndexCache] = []


def use_index_cache(cache: IndexCache | None) -> None:
    """Make :func:`answer` use *cache* (``None``: back to the one under ``settings.home``)."""
    with _CACHES_LOCK:
        _CHOSEN[:] = [] if cache is None else [cache]


def _index_cache() -> IndexCache:
    """The chosen index cache, else the process's one under ``settings.home``."""
    from llmloop.settings import load_settings

    with _CACHES_LOCK:
        if _CHOSEN:
            return _CHOSEN[0]
    home = load_settings().home
    with _CACHES_LOCK:
        if home not in _CACHES:
            _CACHES[home] = IndexCache.under_home(home)
        return _CACHES[home]


def _pipeline(config: Mapping[str, Any]) -> RagPipeline:
    paths = config.get("documents")
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        raise ValidationError(
            "config.documents: must be a list of files or folders",
            hint="Set config.documents, e.g. ['docs/'], in the app spec.",
        )
    # settings first: a bad chunk size is reported without reading any document
    chunking = parse_chunking(config.get("chunking"))
    retrieval = parse_retrieval(config.get("retrieval"))
    rerank = parse_rerank(config.get("rerank"))
    return RagPipeline(
        load_documents(paths),
        chunking=chunking,
        retrieval=retrieval,
        rerank=rerank,
        cache=_index_cache(),
    )


def context_prompt(question: str, result: RetrievalResult) -> str:
    """The model's user message: numbered chunks (cited by id), then the question."""
    # the id on a line of its own, so a reader that splits sentences never quotes it
    blocks = [f"[{item.chunk.id}]\n{item.chunk.text}" for item in result.chunks]
    return "Context:\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}"


def answer(input: Any, ctx: Any) -> dict[str, Any]:
    """A RAG app as a Python app: retrieve (traced), ask the app's model, cite chunk ids.

    Use it as ``entrypoint: llmloop.sdk.rag:answer`` with ``config: {documents, chunking,
    retrieval, rerank}``; the input is the question (text, or ``{"question": ...}``).
    """
    question = str(input["question"] if isinstance(input, Mapping) else input)
    result = traced_retrieve(_pipeline(ctx.config), question)
    reply = ctx.chat(context_prompt(question, result)).text
    cited = [item.chunk.id for item in result.chunks if reply and reply in item.chunk.text]
    return {
        "answer": reply,
        "citations": cited,
        "chunks": [item.chunk.id for item in result.chunks],
    }
