"""The demo's apps chapter: a prompt app and a Python app run offline, and their traces show."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmloop.cli.demo_apps import apps_chapter
from llmloop.cli.output import console
from llmloop.settings import load_settings


def test_the_apps_chapter_runs_both_kinds_and_shows_their_traces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'demo.db'}")
    titles: list[str] = []
    with console.capture() as captured:
        apps_chapter(settings, titles.append)
    text = captured.get()
    assert titles == ["Apps: content-hashed versions, run with the offline local model"]
    assert "prompt resolved to grounded-answer@1" in text
    assert "support-code@" in text
    assert "kind python" in text
    assert "created=False" in text
    assert "Refunds are available" in text
    assert "app support-code" in text
    assert text.count("└ chat local/extractive") == 4  # 1 + 1 prompt-app calls, 2 Python-app calls
