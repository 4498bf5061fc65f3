"""The second stage: maximal marginal relevance (Carbonell & Goldstein, 1998).

MMR re-orders the retrieved chunks one pick at a time, taking the chunk that maximises
``(1 - diversity) * sim(query, chunk) - diversity * max sim(chunk, already picked)``: relevant
chunks first, but a near-duplicate of a chunk already picked falls behind a chunk that adds
something new. Similarity is the cosine of lexical vectors (stemmed term frequencies) or of
embeddings (with the ``embeddings`` extra).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from llmloop.build.rag.lexical import cosine, lexical_vector, tokenize

__all__ = ["embedding_similarities", "lexical_similarities", "mmr_order"]

Similarities = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


def lexical_similarities(query: str, texts: Sequence[str]) -> Similarities:
    """Query-to-text and text-to-text cosines of lexical vectors."""
    tokens = tokenize([query, *texts])
    query_vector = lexical_vector(tokens[0])
    vectors = [lexical_vector(words) for words in tokens[1:]]
    to_query = np.array([cosine(query_vector, vector) for vector in vectors], dtype=np.float64)
    between = np.array(
        [[cosine(left, right) for right in vectors] for left in vectors], dtype=np.float64
    ).reshape(len(vectors), len(vectors))
    return to_query, between


def embedding_similarities(
    query_vector: npt.NDArray[np.float32], vectors: npt.NDArray[np.float32]
) -> Similarities:
    """Query-to-text and text-to-text cosines of unit embeddings."""
    to_query = (vectors @ query_vector).astype(np.float64)
    between = (vectors @ vectors.T).astype(np.float64)
    return to_query, between


def mmr_order(similarities: Similarities, *, diversity: float, top_k: int) -> list[int]:
    """Positions of the ``top_k`` picks in MMR order; ties go to the earlier position."""
    to_query, between = similarities
    remaining = list(range(len(to_query)))
    picked: list[int] = []
    while remaining and len(picked) < top_k:
        best = max(
            remaining,
            key=lambda i: (
                (1 - diversity) * to_query[i]
                - diversity * (max((between[i][j] for j in picked), default=0.0)),
                -i,
            ),
        )
        picked.append(best)
        remaining.remove(best)
    return picked
