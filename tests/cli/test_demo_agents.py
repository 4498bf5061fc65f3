"""The demo's agent chapter: a kind-agent app run by the local model, plan and tool spans."""

from __future__ import annotations

from pathlib import Path

from llmloop.cli.demo_agents import agent_chapter
from llmloop.cli.output import console
from llmloop.settings import load_settings


def test_the_agent_chapter_shows_plan_and_tool_spans(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'demo.db'}")
    titles: list[str] = []
    with console.capture() as captured:
        react, planned = agent_chapter(settings, titles.append)
    text = captured.get()
    assert len(titles) == 1
    assert (react.status, planned.status) == ("ok", "ok")
    assert isinstance(react.output, dict)
    assert isinstance(planned.output, dict)
    assert "arrives on 6 March" in str(react.output["answer"])
    assert planned.output["answer"] == "120 dollars is 110.40 EUR."
    assert [call["tool"] for call in planned.output["tool_calls"]] == [  # type: ignore[index, union-attr]
        "order_status",
        "convert_currency",
    ]
    for span in (
        "agent react",
        "agent plan_execute",
        "plan",
        "tool order_status",
        "tool convert_currency",
    ):
        assert span in text
