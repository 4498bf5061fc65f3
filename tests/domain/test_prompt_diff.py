"""Diffs between prompt versions: structured and readable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from llmloop.domain.prompt_diff import diff_prompts
from llmloop.domain.prompts import PromptContent, PromptVersion, content_hash


def version(number: int, **content: Any) -> PromptVersion:
    parsed = PromptContent.model_validate(content)
    return PromptVersion(
        name="support",
        version=number,
        content=parsed,
        content_hash=content_hash(parsed),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        created_by="local:test",
    )


ONE = version(
    1,
    kind="chat",
    messages=[
        {"role": "system", "content": "Be kind.\nBe brief."},
        {"role": "user", "content": "{{ question }}"},
    ],
    variables=[{"name": "question"}],
    parameters={"model": "gpt-4o-mini", "temperature": 0.2, "extras": {"top_p": 0.9}},
)
TWO = version(
    2,
    kind="chat",
    messages=[
        {"role": "system", "content": "Be kind.\nBe very brief."},
        {"role": "user", "content": "{{ question }}"},
        {"role": "assistant", "content": "Sure."},
    ],
    variables=[{"name": "question", "type": "string"}, {"name": "tone", "default": "calm"}],
    parameters={"model": "gpt-4o-mini", "temperature": 0.5},
)


def test_identical_versions_have_an_empty_diff() -> None:
    diff = diff_prompts(ONE, ONE)
    assert not diff.changed
    assert "same content" in diff.as_text()


def test_messages_variables_and_parameters_are_compared() -> None:
    diff = diff_prompts(ONE, TWO)
    assert diff.changed
    assert [(m.index, m.change) for m in diff.messages] == [(0, "changed"), (2, "added")]
    assert "-Be brief." in diff.messages[0].content_diff
    assert "+Be very brief." in diff.messages[0].content_diff
    assert {(v.name, v.change) for v in diff.variables} == {
        ("question", "changed"),
        ("tone", "added"),
    }
    params = {p.name: p for p in diff.parameters}
    assert params["temperature"].before == 0.2
    assert params["temperature"].after == 0.5
    assert params["extras.top_p"].change == "removed"
    assert "model" not in params


def test_the_text_form_names_each_change() -> None:
    text = diff_prompts(ONE, TWO).as_text()
    assert text.startswith("--- support@1\n+++ support@2\n")
    assert "@@ message 1 (system) changed @@" in text
    assert "@@ message 3 (assistant) added @@" in text
    assert "parameter temperature: 0.2 -> 0.5" in text
    assert 'variable tone: added {"default": "calm"' in text
    assert "parameter extras.top_p: removed (was 0.9)" in text
    assert 'variable question: type: null -> "string"' in text


def test_text_prompts_and_a_change_of_kind() -> None:
    text_one = version(3, kind="text", text="Hello\nworld")
    text_two = version(4, kind="text", text="Hello\nthere")
    diff = diff_prompts(text_one, text_two)
    assert "-world" in diff.text_diff
    assert "+there" in diff.text_diff
    kind_change = diff_prompts(ONE, text_one)
    assert "kind: chat -> text" in kind_change.as_text()
