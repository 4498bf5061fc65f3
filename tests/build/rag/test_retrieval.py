"""Retrieval: BM25, fusion, MMR reranking, the structured result and the index cache."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from llmloop.build.rag.bm25 import Bm25Index
from llmloop.build.rag.chunking import chunk_documents
from llmloop.build.rag.dense import load_embedder
from llmloop.build.rag.documents import documents_from_records
from llmloop.build.rag.fusion import reciprocal_rank_fusion
from llmloop.build.rag.index_cache import IndexCache, index_key
from llmloop.build.rag.rerank import lexical_similarities, mmr_order
from llmloop.build.rag.retrieval import RagPipeline
from llmloop.domain.rag import FixedChunking, SentenceChunking
from llmloop.errors import ConfigurationError

FAQ = documents_from_records(
    [
        {"id": "refund", "text": "Refunds are paid within five days of the return arriving."},
        {"id": "refund-copy", "text": "Refunds are paid within five days of the return arriving."},
        {"id": "ship", "text": "Shipping to Europe takes two weeks by sea."},
        {"id": "reset", "text": "To reset your password, open Settings and choose Security."},
        {"id": "refund-card", "text": "Card refunds appear on your statement after the payment."},
    ],
    source="faq",
)
ONE_CHUNK_EACH = SentenceChunking(max_sentences=5, overlap_sentences=0)


def test_bm25_ranks_matching_texts_and_drops_non_matches() -> None:
    index = Bm25Index.build(["the timing of requests", "cats sit on mats", "time out errors"])
    hits = index.search("what timed out", 3)
    # stemming: "timed" meets "timing" and "time"; the cat text shares no word
    assert [position for position, _ in hits] == [2, 0]
    assert all(score > 0 for _, score in hits)
    assert index.search("the of", 3) == []  # only stopwords
    assert Bm25Index.build([]).search("anything", 3) == []


def test_reciprocal_rank_fusion_rewards_items_high_in_both_lists() -> None:
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]], k=60)
    assert [item for item, _ in fused] == [1, 3, 2, 4]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    with pytest.raises(ValueError, match="positive"):
        reciprocal_rank_fusion([[1]], k=0)


def test_mmr_puts_a_near_duplicate_behind_new_information() -> None:
    texts = [
        "refunds are paid within five days",
        "refunds are paid within five days",
        "card refunds appear on the statement",
    ]
    similarities = lexical_similarities("when are refunds paid", texts)
    assert mmr_order(similarities, diversity=0.0, top_k=3) == [0, 1, 2]
    assert mmr_order(similarities, diversity=0.5, top_k=3) == [0, 2, 1]
    assert mmr_order(similarities, diversity=0.5, top_k=2) == [0, 2]


def test_pipeline_result_records_retrieved_and_reranked_chunks() -> None:
    pipeline = RagPipeline(
        FAQ,
        chunking=ONE_CHUNK_EACH,
        retrieval={"retriever": "bm25", "top_k": 3},
        rerank={"method": "mmr", "top_k": 2, "diversity": 0.5},
    )
    result = pipeline.retrieve("when are refunds paid")
    assert [item.chunk.source for item in result.retrieved][:2] == ["faq#refund", "faq#refund-copy"]
    assert [item.rank for item in result.retrieved] == [1, 2, 3]
    assert result.reranked is not None
    assert [item.chunk.source for item in result.chunks] == ["faq#refund", "faq#refund-card"]
    record = result.as_record()
    assert record["rerank"] == "mmr"
    assert record["reranked"][1]["id"] == result.chunks[1].chunk.id
    assert set(record["retrieved"][0]) == {"id", "text", "source", "score", "rank", "start", "end"}
    assert record["retrieved"][0]["text"].startswith("Refunds are paid")


def test_without_rerank_the_retrieved_chunks_are_final() -> None:
    pipeline = RagPipeline(FAQ, chunking=ONE_CHUNK_EACH, retrieval={"top_k": 1})
    result = pipeline.retrieve("reset password")
    assert result.reranked is None
    assert [item.chunk.source for item in result.chunks] == ["faq#reset"]
    assert pipeline.retrieve("zebra giraffe").chunks == ()


def test_index_is_built_once_then_served_from_memory_and_disk(tmp_path: Path) -> None:
    cache = IndexCache.under_home(tmp_path)
    RagPipeline(FAQ, chunking=ONE_CHUNK_EACH, cache=cache)
    RagPipeline(FAQ, chunking=ONE_CHUNK_EACH, cache=cache)
    assert (cache.stats.builds, cache.stats.memory_hits) == (1, 1)

    fresh = IndexCache.under_home(tmp_path)  # a new process: loads from disk
    pipeline = RagPipeline(FAQ, chunking=ONE_CHUNK_EACH, cache=fresh)
    assert (fresh.stats.builds, fresh.stats.disk_loads) == (0, 1)
    assert [i.chunk.source for i in pipeline.retrieve("password").chunks] == ["faq#reset"]

    RagPipeline(
        FAQ, chunking={"strategy": "fixed", "size_chars": 30, "overlap_chars": 5}, cache=fresh
    )
    RagPipeline(FAQ[:3], chunking=ONE_CHUNK_EACH, cache=fresh)
    assert fresh.stats.builds == 2  # other chunking, other documents: new indexes
    assert len([p for p in (tmp_path / "rag-indexes").iterdir() if not p.name.startswith(".")]) == 3


def test_a_damaged_index_folder_is_rebuilt(tmp_path: Path) -> None:
    cache = IndexCache.under_home(tmp_path)
    pipeline = RagPipeline(FAQ, chunking=ONE_CHUNK_EACH, cache=cache)
    folder = tmp_path / "rag-indexes" / pipeline.index.key
    for path in (folder / "bm25" / "bm25").iterdir():
        path.write_bytes(b"garbage")
    fresh = IndexCache.under_home(tmp_path)
    rebuilt = RagPipeline(FAQ, chunking=ONE_CHUNK_EACH, cache=fresh)
    assert (fresh.stats.builds, fresh.stats.disk_loads) == (1, 0)
    assert [i.chunk.source for i in rebuilt.retrieve("password").chunks] == ["faq#reset"]


def test_the_key_covers_chunks_chunking_and_retriever() -> None:
    chunks = chunk_documents(FAQ, ONE_CHUNK_EACH)
    key = index_key(chunks, ONE_CHUNK_EACH, "bm25")
    assert key == index_key(list(chunks), ONE_CHUNK_EACH, "bm25")
    assert key != index_key(chunks, ONE_CHUNK_EACH, "hybrid")
    assert key != index_key(chunks[1:], ONE_CHUNK_EACH, "bm25")
    assert key != index_key(chunks, SentenceChunking(max_sentences=4), "bm25")
    assert key != index_key(chunks, FixedChunking(), "bm25")


def test_dense_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import llmloop.build.rag.dense as dense

    monkeypatch.setattr(dense, "_loaded", {})
    # None in sys.modules makes the import fail exactly as when the package is absent
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ConfigurationError) as caught:
        RagPipeline(FAQ, chunking=ONE_CHUNK_EACH, retrieval={"retriever": "dense"})
    assert "pip install 'llmloop[embeddings]'" in str(caught.value)
    assert "sentence_transformers" in str(caught.value)


# the first use imports torch and loads the model: seconds on a busy 2-core machine
@pytest.mark.timeout(600)
class TestDense:
    """Real embeddings (the ``embeddings`` extra, installed by scripts/test)."""

    @pytest.fixture(autouse=True)
    def _needs_extra(self) -> None:
        pytest.importorskip("sentence_transformers")

    def test_dense_finds_meaning_without_shared_words(self) -> None:
        pipeline = RagPipeline(
            FAQ, chunking=ONE_CHUNK_EACH, retrieval={"retriever": "dense", "top_k": 1}
        )
        result = pipeline.retrieve("I forgot my login credentials")
        assert [item.chunk.source for item in result.chunks] == ["faq#reset"]
        bm25 = RagPipeline(FAQ, chunking=ONE_CHUNK_EACH, retrieval={"top_k": 1})
        assert bm25.retrieve("I forgot my login credentials").chunks == ()

    def test_hybrid_fuses_both_and_embedding_mmr_reranks(self, tmp_path: Path) -> None:
        cache = IndexCache.under_home(tmp_path)
        pipeline = RagPipeline(
            FAQ,
            chunking=ONE_CHUNK_EACH,
            retrieval={"retriever": "hybrid", "top_k": 3},
            rerank={"method": "mmr", "top_k": 2, "diversity": 0.5, "vectors": "embedding"},
            cache=cache,
        )
        result = pipeline.retrieve("when do refunds arrive")
        assert {item.chunk.source for item in result.retrieved[:2]} == {
            "faq#refund",
            "faq#refund-copy",
        }
        assert [item.chunk.source for item in result.chunks][1] != "faq#refund-copy"
        fresh = IndexCache.under_home(tmp_path)
        again = RagPipeline(
            FAQ, chunking=ONE_CHUNK_EACH, retrieval={"retriever": "hybrid", "top_k": 3}, cache=fresh
        )
        assert fresh.stats.disk_loads == 1
        assert again.retrieve("when do refunds arrive").retrieved == result.retrieved

    def test_embedder_vectors_are_unit_length(self) -> None:
        vectors = load_embedder().embed(["request timed out", "call exceeded its deadline"])
        assert vectors.shape == (2, 384)
        assert float((vectors * vectors).sum(axis=1).min()) == pytest.approx(1.0, abs=1e-4)
        assert float(vectors[0] @ vectors[1]) > 0.4
