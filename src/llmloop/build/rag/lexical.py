"""Words as BM25 and lexical vectors see them: lower case, English stopwords out, stemmed.

One tokenizer for the BM25 index, its queries and the lexical vectors of the MMR reranker, so
"timing" in a question meets "time" in a chunk everywhere (Snowball English stemmer).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import bm25s
import Stemmer

__all__ = ["LexicalVector", "cosine", "lexical_vector", "tokenize"]

LexicalVector = dict[str, float]


def _stemmer() -> Stemmer.Stemmer:
    # a new stemmer per call: PyStemmer objects are not safe to share between threads
    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Each text as its list of stemmed, lower-case, non-stopword tokens."""
    tokens = bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False, return_ids=False
    )
    return [list(words) for words in tokens]


def lexical_vector(tokens: Sequence[str]) -> LexicalVector:
    """A unit-length term-frequency vector (sublinear: 1 + log tf)."""
    counts = Counter(tokens)
    weights = {term: 1.0 + math.log(count) for term, count in counts.items()}
    norm = math.sqrt(sum(weight * weight for weight in weights.values()))
    return {term: weight / norm for term, weight in weights.items()} if norm else {}


def cosine(left: LexicalVector, right: LexicalVector) -> float:
    """Cosine similarity of two unit-length lexical vectors."""
    if len(left) > len(right):
        left, right = right, left
    return sum(weight * right.get(term, 0.0) for term, weight in left.items())
