"""Tools an agent may call: plain Python functions, named by import path.

A tool's JSON Schema comes from its signature and docstring: every parameter must have a type
hint (``str``, ``int``, ``float``, ``bool``, ``list[...]``, ``dict[str, ...]``, ``Literal``,
``X | None``), a parameter with a default is optional, the docstring's first paragraph is the
tool's description and its ``Args:`` section (Google style) describes each parameter. An
unknown tool or a parameter without a type is refused when the tool is loaded, naming it.

Calling a tool never raises: a bad argument or an exception inside the tool becomes an
``error: ...`` result, which the agent loop feeds back to the model so it can recover.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from llmloop.domain.chat import ToolDefinition
from llmloop.errors import ValidationError

__all__ = ["Tool", "ToolOutcome", "load_tool", "load_tools", "tool_from_function"]

_IMPORT_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_SIMPLE: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


@dataclass(frozen=True)
class ToolOutcome:
    """What a call returned as text for the model, and whether it failed."""

    content: str
    is_error: bool


@dataclass(frozen=True)
class Tool:
    """A callable with the name, description and JSON Schema the model sees."""

    name: str
    description: str
    parameters: dict[str, Any]
    function: Callable[..., Any]

    def definition(self) -> ToolDefinition:
        """The tool as a chat request advertises it."""
        return ToolDefinition(
            name=self.name, description=self.description, parameters=self.parameters
        )

    def call(self, arguments: Mapping[str, Any]) -> ToolOutcome:
        """Run the tool; bad arguments and exceptions become an error outcome, never a raise."""
        known = set(self.parameters["properties"])
        unknown = sorted(set(arguments) - known)
        missing = [name for name in self.parameters["required"] if name not in arguments]
        if unknown or missing:
            problems = [f"unknown argument {name!r}" for name in unknown]
            problems += [f"missing argument {name!r}" for name in missing]
            return ToolOutcome(f"error: {'; '.join(problems)} for tool {self.name!r}", True)
        try:
            result = self.function(**arguments)
        except Exception as exc:  # the model sees the failure and may try again
            return ToolOutcome(f"error: {type(exc).__name__}: {exc}", True)
        if isinstance(result, str):
            return ToolOutcome(result, False)
        try:
            return ToolOutcome(json.dumps(result, ensure_ascii=False, default=str), False)
        except (TypeError, ValueError):
            return ToolOutcome(str(result), False)


def _schema_of(annotation: Any, where: str) -> dict[str, Any]:
    if annotation in _SIMPLE:
        return {"type": _SIMPLE[annotation]}
    origin = get_origin(annotation)
    arguments = get_args(annotation)
    if origin is Literal:
        return {"enum": list(arguments)}
    if origin in (types.UnionType, typing.Union):
        options = [arg for arg in arguments if arg is not type(None)]
        schemas = [_schema_of(option, where) for option in options]
        if len(options) < len(arguments):
            schemas.append({"type": "null"})
        return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    if origin in (list, tuple, Sequence) or annotation in (list, tuple):
        items = arguments[0] if arguments else None
        return {"type": "array", **({"items": _schema_of(items, where)} if items else {})}
    if origin in (dict, Mapping) or annotation is dict:
        values = arguments[1] if len(arguments) == 2 else None
        schema: dict[str, Any] = {"type": "object"}
        if values is not None and values is not Any:
            schema["additionalProperties"] = _schema_of(values, where)
        return schema
    if annotation is Any:
        return {}
    raise ValidationError(
        f"{where}: type {annotation!r} has no JSON Schema",
        hint="Use str, int, float, bool, list[...], dict[str, ...], Literal[...] or X | None.",
    )


def _docstring_parts(function: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    doc = inspect.getdoc(function) or ""
    description = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    parameters: dict[str, str] = {}
    section = re.search(r"^(?:Args|Arguments|Parameters):\s*\n((?:[ \t]+.*\n?)+)", doc, re.M)
    if section:
        current = None
        for line in section.group(1).splitlines():
            match = re.match(r"^\s{2,}(\w+)(?:\s*\([^)]*\))?:\s*(.*)$", line)
            if match and (current is None or not line.startswith(" " * 8)):
                current = match.group(1)
                parameters[current] = match.group(2).strip()
            elif current is not None and line.strip():
                parameters[current] = f"{parameters[current]} {line.strip()}".strip()
    return description, parameters


def tool_from_function(function: Callable[..., Any], *, name: str | None = None) -> Tool:
    """A tool from a typed function; ``ValidationError`` names any parameter without a type."""
    tool_name: str = name or str(getattr(function, "__name__", "tool"))
    try:
        hints = typing.get_type_hints(function)
    except (NameError, TypeError) as exc:
        raise ValidationError(
            f"tool {tool_name!r}: its type hints cannot be resolved ({exc})",
            hint="Import every type the signature names at module level.",
        ) from None
    description, described = _docstring_parts(function)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ValidationError(
                f"tool {tool_name!r}: *{parameter.name} cannot be described to a model",
                hint="Give the tool named, typed parameters.",
            )
        if parameter.name not in hints:
            raise ValidationError(
                f"tool {tool_name!r}: parameter {parameter.name!r} has no type hint",
                hint=f"Annotate it, e.g. '{parameter.name}: str', so the model knows what to pass.",
            )
        schema = _schema_of(hints[parameter.name], f"tool {tool_name!r}: {parameter.name}")
        if parameter.name in described:
            schema["description"] = described[parameter.name]
        if parameter.default is inspect.Parameter.empty:
            required.append(parameter.name)
        else:
            schema["default"] = parameter.default
        properties[parameter.name] = schema
    return Tool(
        name=tool_name,
        description=description,
        parameters={"type": "object", "properties": properties, "required": required},
        function=function,
    )


def load_tool(import_path: str) -> Tool:
    """The function at ``package.module:function`` as a tool; a clear error when it is not one."""
    if not _IMPORT_PATH.match(import_path):
        raise ValidationError(
            f"tool {import_path!r} is not an import path",
            hint="Name a function as 'package.module:function'.",
        )
    module_name, _, attribute = import_path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # the user's module failing to import is theirs to see
        raise ValidationError(
            f"unknown tool {import_path!r}: module {module_name!r} cannot be imported "
            f"({type(exc).__name__}: {exc})",
            hint="Check the module path and that it is installed where llmloop runs.",
        ) from None
    function = getattr(module, attribute, None)
    if function is None or not callable(function):
        raise ValidationError(
            f"unknown tool {import_path!r}: {module_name!r} has no function {attribute!r}",
            hint="Check the function name after the colon.",
        )
    return tool_from_function(function)


def load_tools(import_paths: Sequence[str]) -> list[Tool]:
    """Load several tools; two tools with one name are refused."""
    tools = [load_tool(path) for path in import_paths]
    names = [tool.name for tool in tools]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValidationError(
            f"two tools are named {', '.join(map(repr, duplicates))}",
            hint="Give each tool function a distinct name.",
        )
    return tools
