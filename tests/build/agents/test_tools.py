"""Tools: JSON Schema from type hints and docstrings, loading by import path, safe calls."""

from __future__ import annotations

import pytest

from llmloop.build.agents.tools import load_tool, load_tools, tool_from_function
from llmloop.errors import ValidationError

SAMPLE = "tests.build.agents.sample_tools"


def test_schema_comes_from_type_hints_and_docstring() -> None:
    tool = load_tool(f"{SAMPLE}:lookup_order")
    assert tool.name == "lookup_order"
    assert tool.description == "Find an order by its id."
    assert tool.parameters == {
        "type": "object",
        "properties": {
            "order_id": {"type": "string", "description": 'The order number, e.g. "A-17".'},
            "include_items": {
                "type": "boolean",
                "description": "Whether to list the items too.",
                "default": False,
            },
        },
        "required": ["order_id"],
    }
    convert = load_tool(f"{SAMPLE}:convert").parameters["properties"]
    assert convert["amount"] == {"type": "number"}
    assert convert["currency"] == {"enum": ["EUR", "USD"]}
    assert convert["rates"] == {
        "anyOf": [{"type": "object", "additionalProperties": {"type": "number"}}, {"type": "null"}],
        "default": None,
    }
    assert tool.definition().name == "lookup_order"


def test_calls_return_text_and_never_raise() -> None:
    tool = load_tool(f"{SAMPLE}:lookup_order")
    assert tool.call({"order_id": "A-17"}).content == '{"id": "A-17", "status": "shipped"}'
    failed = tool.call({"order_id": "B-1"})
    assert failed.is_error
    assert failed.content == "error: KeyError: 'no order B-1'"
    bad = tool.call({"id": "A-17"})
    assert bad.is_error
    assert bad.content == (
        "error: unknown argument 'id'; missing argument 'order_id' for tool 'lookup_order'"
    )
    assert load_tool(f"{SAMPLE}:convert").call({"amount": 3, "currency": "EUR"}).content == (
        "1.50 EUR"
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"{SAMPLE}:untyped", "tool 'untyped': parameter 'query' has no type hint"),
        (f"{SAMPLE}:missing", f"unknown tool '{SAMPLE}:missing'"),
        (f"{SAMPLE}:NOT_A_FUNCTION", "has no function 'NOT_A_FUNCTION'"),
        ("no_such_package.tools:search", "module 'no_such_package.tools' cannot be imported"),
        ("search", "is not an import path"),
    ],
)
def test_bad_tools_are_refused_by_name(path: str, expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_tool(path)
    assert expected in str(caught.value)


def test_varargs_unsupported_types_and_duplicates_are_refused() -> None:
    def spread(*queries: str) -> str:
        """Spread."""
        return ""

    def opaque(value: complex) -> str:
        """Opaque."""
        return ""

    with pytest.raises(ValidationError, match=r"\*queries cannot be described"):
        tool_from_function(spread)
    with pytest.raises(ValidationError, match="type <class 'complex'> has no JSON Schema"):
        tool_from_function(opaque)
    with pytest.raises(ValidationError, match="two tools are named 'convert'"):
        load_tools([f"{SAMPLE}:convert", f"{SAMPLE}:convert"])
