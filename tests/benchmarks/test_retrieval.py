"""The retrieval benchmark runs at smoke size, so it cannot rot (no time is asserted)."""

from __future__ import annotations

import importlib.util

import pytest

from benchmarks import retrieval


def test_labelled_set_and_synthetic_corpus_are_deterministic() -> None:
    articles, questions = retrieval.labelled_set()
    assert (len(articles), len(questions)) == (24, 24)
    sources = {article.source for article in articles}
    assert all(answer in sources for _, answer in questions)
    assert retrieval.synthetic_chunks(5) == retrieval.synthetic_chunks(5)


# loading the embedding model takes seconds on a busy 2-core machine
@pytest.mark.timeout(600)
def test_retrieval_benchmark_runs_at_smoke_size(capsys: pytest.CaptureFixture[str]) -> None:
    result = retrieval.main(["--smoke"])
    assert (result["chunks"], result["questions"]) == (40, 4)
    assert result["bm25_build_s"] > 0
    assert 0 < result["bm25_recall_at_5"] <= 1
    if importlib.util.find_spec("sentence_transformers") is not None:
        assert 0 < result["dense_recall_at_5"] <= 1
        assert 0 < result["hybrid_recall_at_5"] <= 1
        assert result["ratio_dense_to_bm25_build"] > 0
    assert '"bm25_query_p50_ms"' in capsys.readouterr().out
