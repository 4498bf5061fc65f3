"""The exception tree: two families, stable codes, messages that carry their hint."""

from __future__ import annotations

import pytest

from llmloop import errors
from llmloop.errors import LlmloopError, OperationError, UsageError, error_class_for_code


def _leaves() -> list[type[LlmloopError]]:
    return [
        getattr(errors, name)
        for name in errors.__all__
        if isinstance(getattr(errors, name), type) and issubclass(getattr(errors, name), Exception)
    ]


@pytest.mark.parametrize("cls", _leaves())
def test_every_error_is_in_one_family_with_a_unique_code(cls: type[LlmloopError]) -> None:
    if cls not in (LlmloopError, UsageError, OperationError):
        assert issubclass(cls, UsageError) != issubclass(cls, OperationError)
    assert error_class_for_code(cls.code) is cls
    assert cls.code in (errors.__doc__ or "")


def test_unknown_codes_map_to_remote_error() -> None:
    assert error_class_for_code("from-the-future") is errors.RemoteError


def test_message_and_hint_read_as_one_sentence_pair() -> None:
    error = errors.NotFoundError("prompt 'x' does not exist.", hint="Push it first.")
    assert str(error) == "prompt 'x' does not exist. Push it first."
    assert error.message == "prompt 'x' does not exist."
