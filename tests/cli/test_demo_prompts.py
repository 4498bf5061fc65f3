"""The demo's prompt chapter pushes, labels, renders and diffs on a fresh store."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmloop.cli.demo_prompts import prompts_chapter
from llmloop.client.local import LocalClient
from llmloop.settings import load_settings


def test_the_prompt_chapter_runs_on_a_fresh_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'demo.db'}")
    steps: list[str] = []
    prompts_chapter(settings, steps.append)
    out = capsys.readouterr().out
    assert steps == ["Prompts: files in git, immutable versions, protected labels"]
    assert "support-reply: created version 2" in out
    assert "triage: unchanged (version 1)" in out
    assert "refused without a reason" in out
    assert "the SDK served support-reply@2 (label production" in out
    assert "+You are {{ tone }} support for Acme. Answer in one sentence." in out
    assert "parameter temperature: 0.2 -> 0.1" in out
    local = LocalClient.from_settings(settings)
    try:
        assert local.prompts.get("support-reply", label="production").version == 2
        assert [e.reason for e in local.prompts.history("support-reply", label="production")] == [
            "calmer tone reviewed"
        ]
    finally:
        local.close()
