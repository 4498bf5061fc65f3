"""The demo's monitor chapter: traces, a tree, feedback over HTTP and metrics per version."""

from __future__ import annotations

from pathlib import Path

from llmloop.cli.demo_monitor import monitor_chapter
from llmloop.cli.demo_rag import rag_chapter
from llmloop.cli.output import console
from llmloop.client.local import LocalClient
from llmloop.domain.scores import ScoreSource
from llmloop.settings import load_settings


def test_feedback_from_a_page_and_the_sdk_shows_in_metrics_per_version(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'demo.db'}")
    rag_runs = rag_chapter(settings, lambda title: None)
    titles: list[str] = []
    with console.capture() as captured:
        monitor_chapter(settings, titles.append, rag_runs)
    text = captured.get()
    assert titles == [
        "Monitoring: trace list, a trace tree, end-user feedback, metrics per version"
    ]
    first, second = rag_runs
    assert f"trace {second[0].trace_id}" in text  # the tree of one run
    for span in ("retrieve bm25", "rerank mmr", "chat local/extractive"):
        assert span in text
    assert "Access-Control-Allow-Origin: http://127.0.0.1:8080" in text
    assert "a feedback key can only write feedback" in text
    # Thumbs follow the right answers (3/8 and 8/8); metrics show them per version.
    assert "0.38 (n=8)" in text
    assert "1.00 (n=8)" in text
    assert "5.00 (n=1)" in text
    local = LocalClient.from_settings(settings)
    try:
        page = local.scores.list(source=ScoreSource.USER_FEEDBACK, limit=100)
    finally:
        local.close()
    assert len(page.items) == len(first) + len(second) + 1
