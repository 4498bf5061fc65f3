"""The default retriever: BM25 over chunk texts with ``bm25s``, saved and loaded as files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import bm25s

from llmloop.build.rag.lexical import tokenize

__all__ = ["Bm25Index"]


class Bm25Index:
    """A BM25 index over a list of texts; ``search`` returns ``(position, score)`` pairs."""

    kind = "bm25"

    def __init__(self, model: bm25s.BM25 | None, size: int) -> None:
        self._model = model
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> Bm25Index:
        """Tokenize and index the texts."""
        if not texts:
            return cls(None, 0)
        model = bm25s.BM25()
        model.index(tokenize(texts), show_progress=False)
        return cls(model, len(texts))

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """The best ``k`` texts for the query, best first; texts sharing no word are left out."""
        tokens = tokenize([query])
        if self._model is None or not tokens[0] or k <= 0:
            return []
        positions, scores = self._model.retrieve(
            tokens, k=min(k, self.size), show_progress=False, n_threads=1
        )
        # bm25s always returns k results; a score of 0 means no query word matched
        hits = [
            (int(position), float(score))
            for position, score in zip(positions[0], scores[0], strict=True)
            if score > 0
        ]
        # bm25s orders equal scores arbitrarily; earlier chunks first keeps runs reproducible
        return sorted(hits, key=lambda hit: (-hit[1], hit[0]))

    def save(self, folder: Path) -> None:
        """Write the index as ``bm25s`` files into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "size").write_text(str(self.size), encoding="utf-8")
        if self._model is not None:
            self._model.save(str(folder / "bm25"), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> Bm25Index:
        """Read an index written by :meth:`save`."""
        size = int((folder / "size").read_text(encoding="utf-8"))
        if size == 0:
            return cls(None, 0)
        model = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        return cls(model, size)
