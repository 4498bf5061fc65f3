"""The demo's RAG chapter: two versions, measurably different answers, retrieval spans."""

from __future__ import annotations

from pathlib import Path

from llmloop.cli.demo_rag import QUESTIONS, rag_chapter, score
from llmloop.cli.output import console
from llmloop.settings import load_settings


def test_two_rag_versions_answer_measurably_differently(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'demo.db'}")
    titles: list[str] = []
    with console.capture() as captured:
        first, second = rag_chapter(settings, titles.append)
    text = captured.get()
    assert titles == ["RAG: same documents, other chunking and top-k, measurably other answers"]
    assert all(run.status == "ok" for run in first + second)
    assert first[0].version == 1
    assert second[0].version == 2
    assert (score(first), score(second)) == (3, len(QUESTIONS))
    answer = second[2].output
    assert isinstance(answer, dict)
    assert "ten business days" in str(answer["answer"])
    assert answer["citations"] == [answer["chunks"][0]]
    assert "right answers: version 1 3/8, version 2 8/8" in text
    for span in ("app docs-bot", "└ retrieve bm25", "└ rerank mmr", "└ chat local/extractive"):
        assert span in text
    assert len(list((tmp_path / "rag-indexes").iterdir())) == 2  # one index per version
