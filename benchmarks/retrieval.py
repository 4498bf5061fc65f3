"""Retrieval: index build time, query latency and recall@5 for BM25, dense and hybrid.

One process, one corpus: the labelled documents shipped in ``benchmarks/data/
retrieval_labelled.jsonl`` (24 support articles and 24 questions, each with the article that
answers it, mostly phrased in other words) hidden among synthetic distractor chunks generated
deterministically from a seed to ``--chunks`` in all (10,000 at full size). Measured:

- build: BM25 (tokenize + index, the baseline) and dense (embed every chunk, all-MiniLM-L6-v2
  on CPU), each also reloaded from the on-disk index cache;
- query latency p50 per question for BM25, dense (embed query + matrix product) and hybrid
  (both + reciprocal rank fusion), timed in interleaved rounds;
- recall@5: the share of questions whose answering article is in the top 5.

    .venv/bin/python benchmarks/retrieval.py           # full size: 10,000 chunks
    .venv/bin/python benchmarks/retrieval.py --smoke   # what CI runs

Without the ``embeddings`` extra only BM25 is measured (dense and hybrid are reported null).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmloop.build.rag.chunking import chunk_documents
from llmloop.build.rag.documents import Document, documents_from_records
from llmloop.build.rag.index_cache import IndexCache
from llmloop.build.rag.retrieval import RagPipeline
from llmloop.domain.rag import SentenceChunking

LABELLED = Path(__file__).parent / "data" / "retrieval_labelled.jsonl"
ONE_CHUNK_PER_DOCUMENT = SentenceChunking(max_sentences=50, overlap_sentences=0)

_PRODUCTS = ["Acme Queue", "Acme Cache", "Acme Edge", "Acme Vault", "Acme Search", "Acme Mail"]
_SUBJECTS = [
    "the dashboard",
    "each replica",
    "the scheduler",
    "a worker node",
    "the gateway",
    "every tenant",
    "the exporter",
    "the load balancer",
    "a read replica",
    "the agent",
]
_VERBS = [
    "compresses",
    "indexes",
    "mirrors",
    "throttles",
    "validates",
    "streams",
    "archives",
    "tags",
    "batches",
    "samples",
    "rotates",
    "caches",
]
_OBJECTS = [
    "log lines",
    "metric points",
    "message headers",
    "job payloads",
    "cache entries",
    "trace spans",
    "config files",
    "image layers",
    "session tokens",
    "query plans",
]
_CONDITIONS = ["during peak hours", "when the queue is empty", "after a failover",
               "before each release", "in the staging region", "on the second attempt",
               "while a migration runs", "if the quota is reached"]  # fmt: skip


def synthetic_chunks(count: int, seed: int = 7) -> list[Document]:
    """``count`` plausible but irrelevant product sentences, the same for the same seed."""
    rng = random.Random(seed)
    records = []
    for number in range(count):
        text = (
            f"{rng.choice(_PRODUCTS)}: {rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} "
            f"{rng.choice(_OBJECTS)} {rng.choice(_CONDITIONS)}, keeping {rng.randint(2, 99)} "
            f"{rng.choice(['copies', 'minutes', 'shards', 'versions'])} by default."
        )
        records.append({"id": f"s{number}", "text": text})
    return documents_from_records(records, source="synthetic")


def labelled_set() -> tuple[list[Document], list[tuple[str, str]]]:
    """The shipped articles and (question, answering article source) pairs."""
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    articles = documents_from_records(
        [row for row in rows if row["type"] == "document"], source="labelled"
    )
    questions = [
        (row["question"], f"labelled#{row['relevant'][0]}")
        for row in rows
        if row["type"] == "question"
    ]
    return articles, questions


def _seconds(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def _recall_at_5(pipeline: RagPipeline, questions: list[tuple[str, str]]) -> float:
    found = sum(
        1
        for question, answer in questions
        if answer in {item.chunk.source for item in pipeline.retrieve(question).retrieved[:5]}
    )
    return found / len(questions)


def measure(
    total_chunks: int, rounds: int, with_dense: bool, max_questions: int | None = None
) -> dict[str, Any]:
    """Build, reload and query each retriever over the same corpus; return the figures."""
    articles, questions = labelled_set()
    questions = questions[:max_questions]
    documents = articles + synthetic_chunks(max(0, total_chunks - len(articles)))
    chunks = chunk_documents(documents, ONE_CHUNK_PER_DOCUMENT)
    kinds = ["bm25", "dense", "hybrid"] if with_dense else ["bm25"]
    result: dict[str, Any] = {"chunks": len(chunks), "questions": len(questions)}
    with tempfile.TemporaryDirectory() as home:
        pipelines: dict[str, RagPipeline] = {}
        for kind in kinds:
            if kind == "hybrid":
                # hybrid reuses the two indexes; its build is theirs, so it is not timed
                pipelines[kind] = _pipeline(documents, kind, IndexCache.under_home(Path(home)))
                continue
            if kind == "dense":
                _seconds(lambda: IndexCache(None).embedder())  # model load is not index build
            build_s, pipelines[kind] = _seconds(
                lambda kind=kind: _pipeline(documents, kind, IndexCache.under_home(Path(home)))
            )
            load_s, _ = _seconds(
                lambda kind=kind: _pipeline(documents, kind, IndexCache.under_home(Path(home)))
            )
            result[f"{kind}_build_s"] = round(build_s, 3)
            result[f"{kind}_load_from_disk_s"] = round(load_s, 3)
        samples: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(rounds):
            for question, _answer in questions:
                for kind in kinds:
                    elapsed, _ = _seconds(
                        lambda kind=kind, question=question: pipelines[kind].retrieve(question)
                    )
                    samples[kind].append(elapsed * 1000)
        for kind in ("bm25", "dense", "hybrid"):
            if kind not in kinds:
                result[f"{kind}_query_p50_ms"] = None
                result[f"{kind}_recall_at_5"] = None
                continue
            result[f"{kind}_query_p50_ms"] = round(statistics.median(samples[kind]), 3)
            result[f"{kind}_recall_at_5"] = round(_recall_at_5(pipelines[kind], questions), 3)
    if with_dense:
        result["ratio_dense_to_bm25_build"] = round(
            result["dense_build_s"] / result["bm25_build_s"], 1
        )
        result["ratio_dense_to_bm25_query"] = round(
            result["dense_query_p50_ms"] / result["bm25_query_p50_ms"], 2
        )
    return result


def _pipeline(documents: list[Document], kind: str, cache: IndexCache) -> RagPipeline:
    return RagPipeline(
        documents,
        chunking=ONE_CHUNK_PER_DOCUMENT,
        retrieval={"retriever": kind, "top_k": 5},
        cache=cache,
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and print its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny size, for CI")
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    total, rounds, max_questions = (40, 1, 4) if args.smoke else (args.chunks, args.rounds, None)
    with_dense = importlib.util.find_spec("sentence_transformers") is not None
    result = measure(total, rounds, with_dense, max_questions)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
