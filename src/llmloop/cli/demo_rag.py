"""The demo's RAG chapter: two versions of a docs bot that differ in chunking and top-k.

Both are ``kind: rag`` apps over the documents shipped in ``llmloop/build/rag/demo_docs`` with
the offline local model; only their chunking, retrieval and rerank differ, so they are two app
versions with their own hashes (which also cover the documents' SHA-256, computed at push), and
their answers to the same questions differ measurably. Their traces show the ``retrieval`` and
``rerank`` spans.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

import llmloop
from llmloop.build.providers.registry import ProviderRegistry
from llmloop.build.rag.index_cache import IndexCache
from llmloop.cli.output import console, print_table
from llmloop.client.local import LocalClient
from llmloop.domain.apps import AppRun, parse_app_spec
from llmloop.sdk.apps import push_app
from llmloop.sdk.rag import use_index_cache
from llmloop.settings import Settings
from llmloop.store.traces import SpanRow

__all__ = ["DEMO_DOCS", "QUESTIONS", "VERSIONS", "is_right", "rag_chapter", "score"]

DEMO_DOCS = Path(__file__).resolve().parent.parent / "build" / "rag" / "demo_docs"

#: (question, words the right answer contains)
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("How much does the Team plan cost?", "29 dollars"),
    ("When are invoices emailed?", "first business day"),
    ("How long do refunds take to reach the card?", "ten business days"),
    ("When does a revoked key stop working?", "within one minute"),
    ("How long are backups kept?", "35 days"),
    ("When is phone support open?", "8:00 to 18:00"),
    ("How quickly do enterprise incidents get a reply?", "one hour"),
    ("How many recovery codes are saved at set-up?", "ten recovery codes"),
)

#: Two configurations: small fixed windows and one chunk, then sections with MMR.
VERSIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "small fixed chunks, top 1",
        {
            "chunking": {"strategy": "fixed", "size_chars": 60, "overlap_chars": 0},
            "retrieval": {"retriever": "bm25", "top_k": 1},
        },
    ),
    (
        "heading sections, top 3, MMR to 2",
        {
            "chunking": {"strategy": "heading", "max_level": 2},
            "retrieval": {"retriever": "bm25", "top_k": 3},
            "rerank": {"method": "mmr", "top_k": 2, "diversity": 0.3},
        },
    ),
)


def is_right(run: AppRun) -> bool:
    """Whether a run answered its demo question with the expected words."""
    expected = dict(QUESTIONS)
    return (
        isinstance(run.output, dict)
        and isinstance(run.input, dict)
        and expected.get(str(run.input.get("question")), "\0").lower()
        in str(run.output.get("answer")).lower()
    )


def score(runs: list[AppRun]) -> int:
    """How many runs answered their question with the expected words."""
    return sum(1 for run in runs if is_right(run))


def _show_spans(local: LocalClient, run: AppRun) -> None:
    with local.context.database.session() as session:
        rows = session.scalars(
            select(SpanRow)
            .where(SpanRow.trace_id == run.trace_id)
            .order_by(SpanRow.start_time, SpanRow.id)
        ).all()
        table = [
            (("└ " if row.parent_span_id else "") + row.name, row.kind, row.status) for row in rows
        ]
    print_table(f"Trace {run.trace_id[:8]} of one run", ["span", "kind", "status"], table)


def rag_chapter(settings: Settings, step: Callable[[str], None]) -> list[list[AppRun]]:
    """Push two RAG versions, run both on the demo questions, compare, show a trace."""
    step("RAG: same documents, other chunking and top-k, measurably other answers")
    local = LocalClient.from_settings(settings)
    providers = ProviderRegistry(settings.providers)
    try:
        llmloop.configure(client=local, environment="demo")
        use_index_cache(IndexCache.under_home(settings.home))
        console.print(f"documents: {', '.join(sorted(p.name for p in DEMO_DOCS.iterdir()))}")
        all_runs: list[list[AppRun]] = []
        for label, config in VERSIONS:
            spec = parse_app_spec(
                {
                    "kind": "rag",
                    "documents": {"paths": [str(DEMO_DOCS)]},
                    "model": "local/extractive",
                    **config,
                }
            )
            pushed = push_app(
                spec, name="docs-bot", message=label, client=local, providers=providers
            )
            digest = str(getattr(pushed.version.spec, "documents_sha256", ""))
            console.print(
                f"  {pushed.version.reference} (version {pushed.version.version}): {label}; "
                f"documents sha256 {digest[:12]}"
            )
            ref = f"docs-bot@{pushed.version.version}"
            all_runs.append(
                [
                    llmloop.run(ref, {"question": q}, client=local, providers=providers)
                    for q, _ in QUESTIONS
                ]
            )
        first, second = all_runs
        print_table(
            "Answers of the local model, with the chunk id each answer cites",
            ["question", "version 1", "version 2"],
            [
                (question, _answer(a), _answer(b))
                for (question, _), a, b in zip(QUESTIONS, first, second, strict=True)
            ],
        )
        console.print(
            f"right answers: version 1 {score(first)}/{len(QUESTIONS)}, "
            f"version 2 {score(second)}/{len(QUESTIONS)}"
        )
        llmloop.flush(10)
        _show_spans(local, second[0])
        return all_runs
    finally:
        use_index_cache(None)
        llmloop.shutdown(5)
        local.close()


def _answer(run: AppRun) -> str:
    if run.status != "ok" or not isinstance(run.output, dict):
        return f"error: {run.error}"
    text = str(run.output["answer"])
    cited = run.output.get("citations") or []
    return text + (f" [{cited[0]}]" if isinstance(cited, list) and cited else "")
