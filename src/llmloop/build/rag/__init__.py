"""Retrieval-augmented generation: load documents, chunk them, retrieve, rerank.

The pieces, one module per concept: :mod:`.documents` (text, Markdown, HTML, JSON Lines, PDF,
records), :mod:`.chunking` (fixed, recursive, sentence, heading), :mod:`.bm25` and
:mod:`.dense` (retrievers), :mod:`.fusion` (reciprocal rank fusion), :mod:`.rerank` (MMR),
:mod:`.index_cache` (indexes built once per content hash) and :mod:`.retrieval` (the pipeline
and its structured result). Settings are validated by :mod:`llmloop.domain.rag`.
"""

from __future__ import annotations

from llmloop.build.rag.chunking import Chunk, chunk_document, chunk_documents
from llmloop.build.rag.documents import Document, documents_from_records, load_documents
from llmloop.build.rag.index_cache import IndexCache
from llmloop.build.rag.retrieval import RagPipeline, RetrievalResult, ScoredChunk

__all__ = [
    "Chunk",
    "Document",
    "IndexCache",
    "RagPipeline",
    "RetrievalResult",
    "ScoredChunk",
    "chunk_document",
    "chunk_documents",
    "documents_from_records",
    "load_documents",
]
