"""Prompt content: validation, canonical hashing, label and variable names."""

from __future__ import annotations

import hashlib
import json

import pydantic
import pytest

from llmloop.domain.prompts import (
    PromptContent,
    PromptKind,
    PromptVariable,
    VariableType,
    content_hash,
    validate_label_name,
    validate_variable_name,
)
from llmloop.errors import ValidationError


def chat(*messages: tuple[str, str], **fields: object) -> PromptContent:
    return PromptContent.model_validate(
        {"kind": "chat", "messages": [{"role": r, "content": c} for r, c in messages], **fields}
    )


def test_the_hash_is_sha256_of_canonical_json_and_ignores_key_order() -> None:
    one = PromptContent.model_validate(
        {"kind": "text", "text": "Hi {{ name }}", "variables": [{"name": "name"}]}
    )
    two = PromptContent.model_validate(
        {"variables": [{"name": "name"}], "text": "Hi {{ name }}", "kind": "text"}
    )
    assert content_hash(one) == content_hash(two)
    expected = hashlib.sha256(
        json.dumps(one.model_dump(mode="json"), sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    assert content_hash(one) == expected


def test_every_part_of_the_content_changes_the_hash() -> None:
    base = chat(("system", "Be brief."), ("user", "{{ q }}"), variables=[{"name": "q"}])
    variants = [
        chat(("system", "Be brief!"), ("user", "{{ q }}"), variables=[{"name": "q"}]),
        chat(
            ("system", "Be brief."),
            ("user", "{{ q }}"),
            variables=[{"name": "q", "type": "string"}],
        ),
        chat(
            ("system", "Be brief."),
            ("user", "{{ q }}"),
            variables=[{"name": "q"}],
            parameters={"temperature": 0.5},
        ),
        chat(("user", "Be brief."), ("user", "{{ q }}"), variables=[{"name": "q"}]),
    ]
    hashes = {content_hash(base), *(content_hash(v) for v in variants)}
    assert len(hashes) == 5


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "chat"},
        {"kind": "chat", "messages": [{"role": "user", "content": "x"}], "text": "y"},
        {"kind": "text"},
        {"kind": "text", "text": "x", "messages": [{"role": "user", "content": "x"}]},
        {"kind": "chat", "messages": [{"role": "robot", "content": "x"}]},
        {"kind": "text", "text": "x", "variables": [{"name": "a"}, {"name": "a"}]},
        {"kind": "text", "text": "x", "parameters": {"temperature": 3}},
        {"kind": "text", "text": "x", "parameters": {"max_tokens": 0}},
        {"kind": "text", "text": "x", "surprise": 1},
    ],
)
def test_inconsistent_content_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(pydantic.ValidationError):
        PromptContent.model_validate(fields)


def test_a_default_must_match_the_declared_type() -> None:
    with pytest.raises(pydantic.ValidationError, match="not of type integer"):
        PromptVariable(name="n", type=VariableType.INTEGER, default="three")
    assert not PromptVariable(name="n", type=VariableType.INTEGER, default=3).required
    assert PromptVariable(name="n").required


@pytest.mark.parametrize(
    ("kind", "value", "accepted"),
    [
        (VariableType.STRING, "x", True),
        (VariableType.STRING, 1, False),
        (VariableType.INTEGER, 1, True),
        (VariableType.INTEGER, 1.5, False),
        (VariableType.INTEGER, True, False),
        (VariableType.NUMBER, 1.5, True),
        (VariableType.BOOLEAN, False, True),
        (VariableType.LIST, [1], True),
        (VariableType.OBJECT, {"a": 1}, True),
        (VariableType.OBJECT, [1], False),
    ],
)
def test_variable_types(kind: VariableType, value: object, accepted: bool) -> None:
    assert kind.accepts(value) is accepted


@pytest.mark.parametrize("label", ["3", "42", "v3", "v10", "latest", "Prod", "", "a b"])
def test_labels_that_read_as_versions_or_are_reserved_are_refused(label: str) -> None:
    with pytest.raises(ValidationError):
        validate_label_name(label)


@pytest.mark.parametrize("label", ["production", "staging", "v2-candidate", "eu-prod", "dev3"])
def test_ordinary_labels_are_accepted(label: str) -> None:
    assert validate_label_name(label) == label


@pytest.mark.parametrize("name", ["1st", "a-b", "", "x.y"])
def test_variable_names_must_be_identifiers(name: str) -> None:
    with pytest.raises(ValidationError, match="variable name"):
        validate_variable_name(name)


def test_kind_and_variable_lookup() -> None:
    content = chat(("user", "{{ q }}"), variables=[{"name": "q", "default": "hi"}])
    assert content.kind is PromptKind.CHAT
    assert content.variable("q") is not None
    assert content.variable("nope") is None
