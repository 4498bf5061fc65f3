"""App specs: validation that names the field, content hashes, references and diffs."""

from __future__ import annotations

import pytest

from llmloop.domain.apps import (
    PromptAppSpec,
    PythonAppSpec,
    diff_specs,
    parse_app_reference,
    parse_app_spec,
    spec_hash,
)
from llmloop.errors import ValidationError


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"kind": "chatbot", "prompt": "x"}, "kind: 'chatbot' is not a kind of app"),
        ({"prompt": "x"}, "kind: is missing"),
        ({"kind": "prompt"}, "prompt: Field required"),
        (
            {"kind": "prompt", "prompt": "x", "model": "gpt-4o"},
            "model: 'gpt-4o' is not PROFILE/MODEL",
        ),
        ({"kind": "prompt", "prompt": "x", "entrypoint": "a:b"}, "entrypoint: is not a field"),
        ({"kind": "python", "entrypoint": "just_a_module"}, "entrypoint: 'just_a_module' is not"),
        ({"kind": "prompt", "prompt": "x", "params": {"temperature": 9}}, "params.temperature"),
        ("not a mapping", "spec"),
    ],
)
def test_invalid_specs_name_the_field_and_the_reason(data: object, needle: str) -> None:
    with pytest.raises(ValidationError, match="the app spec is invalid") as caught:
        parse_app_spec(data)
    assert needle in str(caught.value)


def test_the_hash_covers_every_field_that_changes_behaviour() -> None:
    base = PromptAppSpec(prompt="support@2", model="local/extractive")
    same = parse_app_spec({"kind": "prompt", "model": "local/extractive", "prompt": "support@2"})
    assert spec_hash(base) == spec_hash(same)
    variants = [
        base.model_copy(update={"prompt": "support@3"}),
        base.model_copy(update={"model": "local/other"}),
        parse_app_spec(
            {
                "kind": "prompt",
                "prompt": "support@2",
                "model": "local/extractive",
                "params": {"temperature": 0.1},
            }
        ),
    ]
    hashes = {spec_hash(v) for v in variants}
    assert len(hashes) == 3
    assert spec_hash(base) not in hashes
    python = PythonAppSpec(entrypoint="bot:answer", config={"top_k": 3})
    assert spec_hash(python) != spec_hash(python.model_copy(update={"config": {"top_k": 4}}))


@pytest.mark.parametrize(
    ("text", "version", "prefix"),
    [("bot", None, None), ("bot@3", 3, None), ("bot@3F9A2B1C", None, "3f9a2b1c")],
)
def test_references(text: str, version: int | None, prefix: str | None) -> None:
    reference = parse_app_reference(text)
    assert (reference.name, reference.version, reference.hash_prefix) == ("bot", version, prefix)
    assert str(reference) == text.lower()


@pytest.mark.parametrize("text", ["bot@", "bot@0", "bot@xyz", "bot@12ab", "Bad Name"])
def test_bad_references_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_app_reference(text)


def test_diff_lists_changed_fields() -> None:
    old = PromptAppSpec(prompt="support@2", model="local/extractive")
    new = parse_app_spec(
        {
            "kind": "prompt",
            "prompt": "support@3",
            "model": "local/extractive",
            "params": {"max_tokens": 50},
        }
    )
    assert diff_specs(old, new) == [
        "params.max_tokens: null -> 50",
        'prompt: "support@2" -> "support@3"',
    ]
    assert diff_specs(old, old) == []
