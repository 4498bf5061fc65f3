"""Retrieval traced with llmloop's tracer: a ``retrieval`` span and, with reranking, a ``rerank``.

:func:`run_rag_app` runs a ``kind: rag`` app version: its typed spec chooses the documents,
chunking, retrieval, rerank and how the model is asked, so two versions that differ only there
are two app versions with their own hashes, evaluated and released like any other.
:func:`answer` does the same for a ``kind: python`` spec whose config holds those settings.

Both spans record the chunks (ids, text, scores, source, offsets) as their output, so an
evaluation can compute context metrics from the trace and an answer's citations can be checked
against what was retrieved.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from llmloop.build.apps.checks import answer_template_content
from llmloop.build.apps.execution import AppContext, prompt_request
from llmloop.build.prompts.rendering import render_prompt
from llmloop.build.rag.documents import documents_sha256, load_documents, load_spec_documents
from llmloop.build.rag.index_cache import IndexCache
from llmloop.build.rag.retrieval import RagPipeline, RetrievalResult
from llmloop.client.protocols import PromptsClient
from llmloop.domain.apps import PromptAppSpec, RagAppSpec
from llmloop.domain.chat import ChatResponse
from llmloop.domain.rag import parse_chunking, parse_rerank, parse_retrieval
from llmloop.errors import ValidationError
from llmloop.sdk import tracing

__all__ = ["answer", "context_prompt", "run_rag_app", "traced_retrieve", "use_index_cache"]


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
    return "Context:\n" + _context_text(result) + f"\n\nQuestion: {question}"


def _context_text(result: RetrievalResult) -> str:
    # the id on a line of its own, so a reader that splits sentences never quotes it
    return "\n\n".join(f"[{item.chunk.id}]\n{item.chunk.text}" for item in result.chunks)


def _outcome(reply: str, result: RetrievalResult, *, contexts: bool) -> dict[str, Any]:
    cited = [item.chunk.id for item in result.chunks if reply and reply in item.chunk.text]
    outcome: dict[str, Any] = {
        "answer": reply,
        "citations": cited,
        "chunks": [item.chunk.id for item in result.chunks],
    }
    if contexts:
        outcome["contexts"] = [item.as_record() for item in result.chunks]
    return outcome


def _ask(
    spec: RagAppSpec,
    question: str,
    result: RetrievalResult,
    ctx: AppContext,
    prompts: PromptsClient,
) -> ChatResponse:
    """Ask the model the way the spec says: its prompt, its answer template, or the default."""
    values = {"question": question, "context": _context_text(result)}
    if spec.prompt is not None:
        name, _, number = spec.prompt.partition("@")
        version = prompts.get(name, version=int(number))
        declared = {variable.name for variable in version.content.variables}
        address, request = prompt_request(
            PromptAppSpec(prompt=spec.prompt, model=spec.model, params=spec.params),
            version,
            {key: value for key, value in values.items() if key in declared},
        )
        return ctx.call(address, request)
    if spec.answer_template is not None:
        rendered = render_prompt(answer_template_content(spec.answer_template), values)
        return ctx.chat(rendered.text or "")
    return ctx.chat(context_prompt(question, result))


def run_rag_app(
    spec: RagAppSpec, input: Any, ctx: AppContext, prompts: PromptsClient
) -> dict[str, Any]:
    """Run a ``kind: rag`` version: read, retrieve (traced), ask its model, cite chunk ids.

    The documents must still be the ones pushed: when their SHA-256 differs from the spec's
    ``documents_sha256`` the run fails, since the version would no longer mean one behaviour.
    """
    question = str(input["question"] if isinstance(input, Mapping) else input)
    documents = load_spec_documents(spec.documents)
    if spec.documents_sha256 is not None and documents_sha256(documents) != spec.documents_sha256:
        raise ValidationError(
            "documents: they changed since this version was pushed (their SHA-256 differs)",
            hint="Push the app again to make a version of the new documents, or restore them.",
        )
    pipeline = RagPipeline(
        documents,
        chunking=spec.chunking,
        retrieval=spec.retrieval,
        rerank=spec.rerank,
        cache=_index_cache(),
    )
    result = traced_retrieve(pipeline, question)
    return _outcome(_ask(spec, question, result, ctx, prompts).text, result, contexts=True)


def answer(input: Any, ctx: Any) -> dict[str, Any]:
    """A RAG app as a Python app: retrieve (traced), ask the app's model, cite chunk ids.

    Use it as ``entrypoint: llmloop.sdk.rag:answer`` with ``config: {documents, chunking,
    retrieval, rerank}``; the input is the question (text, or ``{"question": ...}``).
    """
    question = str(input["question"] if isinstance(input, Mapping) else input)
    result = traced_retrieve(_pipeline(ctx.config), question)
    return _outcome(ctx.chat(context_prompt(question, result)).text, result, contexts=False)
