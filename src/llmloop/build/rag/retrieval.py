"""A retrieval pipeline: documents → chunks → cached index → retrieve → rerank → result.

:class:`RagPipeline` is what a RAG app runs per question. Its :class:`RetrievalResult` holds the
retrieved chunks and, when a second stage is set, the reranked ones (ids, text, scores, source
and offsets), so runs and ``retrieval`` / ``rerank`` spans can record exactly what the model
was shown and evaluators can compute context metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from llmloop.build.rag.chunking import Chunk, chunk_documents
from llmloop.build.rag.documents import Document
from llmloop.build.rag.fusion import reciprocal_rank_fusion
from llmloop.build.rag.index_cache import IndexCache, RagIndex
from llmloop.build.rag.rerank import embedding_similarities, lexical_similarities, mmr_order
from llmloop.domain.rag import (
    ChunkingConfig,
    RerankConfig,
    RetrievalConfig,
    parse_chunking,
    parse_rerank,
    parse_retrieval,
)

__all__ = ["RagPipeline", "RetrievalResult", "ScoredChunk"]

# hybrid asks each retriever for more than top_k so fusion has something to fuse
_HYBRID_CANDIDATES_FACTOR = 4


@dataclass(frozen=True)
class ScoredChunk:
    """A chunk with its score and 1-based rank in one stage."""

    chunk: Chunk
    score: float
    rank: int

    def as_record(self) -> dict[str, Any]:
        """JSON-ready form for runs and spans."""
        return {
            "id": self.chunk.id,
            "text": self.chunk.text,
            "source": self.chunk.source,
            "score": round(self.score, 6),
            "rank": self.rank,
            "start": self.chunk.start,
            "end": self.chunk.end,
            **(
                {"heading": self.chunk.metadata["heading"]}
                if "heading" in self.chunk.metadata
                else {}
            ),
        }


@dataclass(frozen=True)
class RetrievalResult:
    """What one question retrieved and, with a second stage, what the reranker kept."""

    query: str
    retriever: str
    retrieved: tuple[ScoredChunk, ...]
    reranked: tuple[ScoredChunk, ...] | None
    rerank_method: str

    @property
    def chunks(self) -> tuple[ScoredChunk, ...]:
        """The final chunks: the reranked ones when reranking ran, else the retrieved ones."""
        return self.retrieved if self.reranked is None else self.reranked

    def as_record(self) -> dict[str, Any]:
        """JSON-ready form for runs and spans."""
        return {
            "query": self.query,
            "retriever": self.retriever,
            "retrieved": [item.as_record() for item in self.retrieved],
            "rerank": self.rerank_method,
            "reranked": None
            if self.reranked is None
            else [item.as_record() for item in self.reranked],
        }


class RagPipeline:
    """Retrieval over a fixed set of documents with fixed chunking, retrieval and rerank."""

    def __init__(
        self,
        documents: Sequence[Document],
        *,
        chunking: ChunkingConfig | dict[str, Any] | None,
        retrieval: RetrievalConfig | dict[str, Any] | None = None,
        rerank: RerankConfig | dict[str, Any] | None = None,
        cache: IndexCache | None = None,
    ) -> None:
        self.chunking = parse_chunking(chunking)
        self.retrieval = parse_retrieval(retrieval)
        self.rerank = parse_rerank(rerank)
        self.cache = cache if cache is not None else IndexCache(None)
        chunks = chunk_documents(documents, self.chunking)
        self.index: RagIndex = self.cache.get(chunks, self.chunking, self.retrieval.retriever)

    @property
    def chunks(self) -> Sequence[Chunk]:
        """Every chunk in the index."""
        return self.index.chunks

    def retrieve(self, query: str) -> RetrievalResult:
        """Run the first stage and, when configured, the second stage for one question."""
        top_k = self.retrieval.top_k
        hits = self._first_stage(query, top_k)
        retrieved = tuple(
            ScoredChunk(self.index.chunks[position], score, rank)
            for rank, (position, score) in enumerate(hits, start=1)
        )
        reranked = None if self.rerank.method == "none" else self._mmr(query, retrieved)
        return RetrievalResult(
            query=query,
            retriever=self.retrieval.retriever,
            retrieved=retrieved,
            reranked=reranked,
            rerank_method=self.rerank.method,
        )

    def _first_stage(self, query: str, top_k: int) -> list[tuple[int, float]]:
        bm25, dense = self.index.bm25, self.index.dense
        if self.retrieval.retriever == "bm25" and bm25 is not None:
            return bm25.search(query, top_k)
        if self.retrieval.retriever == "dense" and dense is not None:
            return dense.search(query, top_k)
        assert bm25 is not None
        assert dense is not None
        depth = top_k * _HYBRID_CANDIDATES_FACTOR
        rankings = [
            [position for position, _ in bm25.search(query, depth)],
            [position for position, _ in dense.search(query, depth)],
        ]
        return reciprocal_rank_fusion(rankings, k=self.retrieval.rrf_k)[:top_k]

    def _mmr(self, query: str, retrieved: tuple[ScoredChunk, ...]) -> tuple[ScoredChunk, ...]:
        texts = [item.chunk.text for item in retrieved]
        if self.rerank.vectors == "embedding":
            embedder = self.cache.embedder()
            vectors = embedder.embed(texts)
            similarities = embedding_similarities(embedder.embed([query])[0], vectors)
        else:
            similarities = lexical_similarities(query, texts)
        top_k = self.rerank.top_k or self.retrieval.top_k
        order = mmr_order(similarities, diversity=self.rerank.diversity, top_k=top_k)
        relevance = similarities[0]
        return tuple(
            ScoredChunk(retrieved[position].chunk, float(relevance[position]), rank)
            for rank, position in enumerate(order, start=1)
        )
