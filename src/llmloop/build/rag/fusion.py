"""Hybrid retrieval: reciprocal rank fusion of several rankings (Cormack et al., 2009).

Each ranking contributes ``1 / (k + rank)`` for every item it ranks (rank starts at 1), so an
item near the top of either list rises, and scores of different scales (BM25, cosine) never
have to be calibrated against each other.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["reciprocal_rank_fusion"]


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], *, k: int = 60
) -> list[tuple[int, float]]:
    """Fuse rankings of item positions into one, best first; ties keep first-seen order."""
    if k <= 0:
        raise ValueError("k must be positive")
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    order = {item: index for index, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))
