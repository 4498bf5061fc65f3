"""RAG settings: defaults, and bad values refused with the field named."""

from __future__ import annotations

import pytest

from llmloop.domain.rag import (
    FixedChunking,
    RecursiveChunking,
    parse_chunking,
    parse_rerank,
    parse_retrieval,
)
from llmloop.errors import ValidationError


def test_valid_settings_parse_to_frozen_models() -> None:
    chunking = parse_chunking({"strategy": "fixed", "size_chars": 50, "overlap_chars": 5})
    assert chunking == FixedChunking(size_chars=50, overlap_chars=5)
    assert parse_chunking({"strategy": "recursive"}) == RecursiveChunking()
    assert parse_retrieval(None).retriever == "bm25"
    assert parse_rerank({"method": "mmr", "top_k": 2}).top_k == 2


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"strategy": "fixed", "size_chars": 0}, "chunking.size_chars: Input should be greater"),
        (
            {"strategy": "fixed", "size_chars": 100, "overlap_chars": 100},
            "chunking.overlap_chars: 100 must be smaller than size_chars (100)",
        ),
        (
            {"strategy": "recursive", "size_chars": 10, "overlap_chars": 20},
            "chunking.overlap_chars: 20 must be smaller than size_chars (10)",
        ),
        (
            {"strategy": "sentence", "max_sentences": 2, "overlap_sentences": 2},
            "chunking.overlap_sentences: 2 must be smaller than max_sentences (2)",
        ),
        ({"strategy": "heading", "max_level": 7}, "chunking.max_level: Input should be less"),
        ({"strategy": "recursive", "separators": ["\n", ""]}, "chunking.separators: an empty"),
        ({"strategy": "words"}, "chunking.strategy: 'words' is not a strategy"),
        ({"size_chars": 10}, "chunking.strategy: is missing"),
        ({"strategy": "fixed", "size": 10}, "chunking.size: is not a setting here"),
    ],
)
def test_bad_chunking_names_the_field(data: dict[str, object], expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_chunking(data)
    assert expected in str(caught.value)
    assert "docs/rag.md" in str(caught.value)


def test_bad_retrieval_and_rerank_name_the_field() -> None:
    with pytest.raises(ValidationError, match=r"retrieval\.top_k: Input should be greater"):
        parse_retrieval({"top_k": 0})
    with pytest.raises(ValidationError, match=r"retrieval\.retriever: Input should be"):
        parse_retrieval({"retriever": "colbert"})
    with pytest.raises(ValidationError, match=r"rerank\.diversity: Input should be less"):
        parse_rerank({"method": "mmr", "diversity": 1.5})
