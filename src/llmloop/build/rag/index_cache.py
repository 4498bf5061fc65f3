"""Indexes built once per (documents, chunking, retriever) and reused: in memory and on disk.

The key is a SHA-256 over the chunk ids (which hash the documents' sources and texts and the
offsets), the chunking settings, the retriever kind and the embedding model, so any change to
what is indexed or how gives a new key and an unchanged corpus never re-indexes. Recent indexes
stay in an in-process LRU; every index is also written under ``<home>/rag-indexes/<key>/``
(``bm25s`` files, ``dense.npy``) so a new process loads it instead of rebuilding. A folder is
written under a temporary name and renamed when complete, so a crash never leaves a half index;
an unreadable folder is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from llmloop.build.rag.bm25 import Bm25Index
from llmloop.build.rag.chunking import Chunk
from llmloop.build.rag.dense import EMBEDDING_MODEL_NAME, DenseIndex, Embedder, load_embedder
from llmloop.domain.rag import ChunkingConfig

__all__ = ["CacheStats", "IndexCache", "RagIndex", "index_key"]

_FORMAT = 1
RetrieverKind = Literal["bm25", "dense", "hybrid"]


@dataclass
class RagIndex:
    """The chunks and the retriever indexes over them."""

    key: str
    chunks: Sequence[Chunk]
    bm25: Bm25Index | None
    dense: DenseIndex | None


@dataclass
class CacheStats:
    """How often an index was built, loaded from disk, or found in memory."""

    builds: int = 0
    disk_loads: int = 0
    memory_hits: int = 0


def index_key(chunks: Sequence[Chunk], chunking: ChunkingConfig, retriever: str) -> str:
    """The cache key of an index: a hash of what is indexed and how."""
    description = {
        "format": _FORMAT,
        "chunks": [chunk.id for chunk in chunks],
        "chunking": chunking.model_dump(mode="json"),
        "retriever": retriever,
        "embedding_model": EMBEDDING_MODEL_NAME if retriever != "bm25" else None,
    }
    canonical = json.dumps(description, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class IndexCache:
    """Builds, remembers and persists :class:`RagIndex` objects; safe to share across threads."""

    def __init__(
        self,
        folder: Path | None,
        *,
        max_in_memory: int = 8,
        embedder_factory: Callable[[], Embedder] = load_embedder,
    ) -> None:
        self.folder = folder
        self.max_in_memory = max_in_memory
        self.stats = CacheStats()
        self._embedder_factory = embedder_factory
        self._memory: OrderedDict[str, RagIndex] = OrderedDict()
        self._lock = threading.Lock()

    def embedder(self) -> Embedder:
        """The embedding model this cache indexes with (loaded on first use)."""
        return self._embedder_factory()

    @classmethod
    def under_home(cls, home: Path, *, max_in_memory: int = 8) -> IndexCache:
        """The cache at ``<home>/rag-indexes`` (``home`` is ``settings.home``)."""
        return cls(home / "rag-indexes", max_in_memory=max_in_memory)

    def get(
        self, chunks: Sequence[Chunk], chunking: ChunkingConfig, retriever: RetrieverKind
    ) -> RagIndex:
        """The index for these chunks: from memory, else from disk, else built now."""
        key = index_key(chunks, chunking, retriever)
        with self._lock:
            index = self._memory.get(key)
            if index is not None:
                self._memory.move_to_end(key)
                self.stats.memory_hits += 1
                return index
            index = self._load(key, chunks, retriever)
            if index is None:
                index = self._build(key, chunks, retriever)
                self.stats.builds += 1
                self._save(index)
            else:
                self.stats.disk_loads += 1
            self._memory[key] = index
            while len(self._memory) > self.max_in_memory:
                self._memory.popitem(last=False)
            return index

    def _build(self, key: str, chunks: Sequence[Chunk], retriever: RetrieverKind) -> RagIndex:
        texts = [chunk.text for chunk in chunks]
        bm25 = Bm25Index.build(texts) if retriever in ("bm25", "hybrid") else None
        dense = (
            DenseIndex.build(texts, self._embedder_factory())
            if retriever in ("dense", "hybrid")
            else None
        )
        return RagIndex(key=key, chunks=list(chunks), bm25=bm25, dense=dense)

    def _path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / key

    def _load(self, key: str, chunks: Sequence[Chunk], retriever: RetrieverKind) -> RagIndex | None:
        path = self._path(key)
        if path is None or not (path / "complete").is_file():
            return None
        try:
            bm25 = Bm25Index.load(path / "bm25") if retriever in ("bm25", "hybrid") else None
            dense = (
                DenseIndex.load(path / "dense", self._embedder_factory())
                if retriever in ("dense", "hybrid")
                else None
            )
        except (OSError, ValueError, KeyError):
            # a damaged folder is not an error: the index is rebuilt and the folder replaced
            return None
        if (bm25 is not None and bm25.size != len(chunks)) or (
            dense is not None and dense.size != len(chunks)
        ):
            return None
        return RagIndex(key=key, chunks=list(chunks), bm25=bm25, dense=dense)

    def _save(self, index: RagIndex) -> None:
        path = self._path(index.key)
        if path is None:
            return
        staging = path.with_name(f".{index.key}.{os.getpid()}.{threading.get_ident()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if index.bm25 is not None:
            index.bm25.save(staging / "bm25")
        if index.dense is not None:
            index.dense.save(staging / "dense")
        (staging / "complete").write_text(index.key, encoding="utf-8")
        shutil.rmtree(path, ignore_errors=True)
        try:
            staging.rename(path)
        except OSError:
            # another process saved the same index first; theirs is as good as ours
            shutil.rmtree(staging, ignore_errors=True)
