"""Names and NAME@VERSION / NAME:LABEL references."""

from __future__ import annotations

import pytest

from llmloop.domain.names import Reference, parse_reference, validate_name
from llmloop.errors import ValidationError


@pytest.mark.parametrize("name", ["support-bot", "a", "v1.2_x", "9lives"])
def test_valid_names(name: str) -> None:
    assert validate_name(name, what="prompt") == name


@pytest.mark.parametrize("name", ["", "Upper", "white space", "_leading", "a/b", "x" * 101])
def test_invalid_names_say_what_is_allowed(name: str) -> None:
    with pytest.raises(ValidationError, match="prompt name"):
        validate_name(name, what="prompt")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bot", Reference("bot")),
        ("bot@3", Reference("bot", version=3)),
        ("bot:production", Reference("bot", label="production")),
    ],
)
def test_references_parse_and_print_back(text: str, expected: Reference) -> None:
    parsed = parse_reference(text, what="prompt")
    assert parsed == expected
    assert str(parsed) == text


@pytest.mark.parametrize("text", ["bot@", "bot@0", "bot@x", "bot@1:prod", "bot:", "BOT@1"])
def test_malformed_references_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_reference(text, what="prompt")
