"""The offline ``local`` model's tool-calling mode: deterministic tool calls and plans.

The local model does not understand a task; it matches words. When a request offers tools and
the conversation has no tool result since the user's last message, it calls every tool whose
name or description shares a content word with the question, in the order those words occur
in the question, with arguments read from the question:

- an ``enum`` parameter takes the first of its values the question names;
- a ``string`` parameter takes quoted text (``"..."``), else an identifier-like word (letters
  and digits, e.g. ``A-17``), else the whole question;
- a ``number`` / ``integer`` parameter takes the question's next number that is not part of
  an identifier;
- an optional parameter it cannot fill is left out; a tool with a required parameter it cannot
  fill is not called.

Once tool results are in the conversation it answers from them like any context. When the
instructions ask for a plan (the ``plan_execute`` strategy's planning request, which lists the
tools as JSON), it answers with the same calls as a JSON list of steps. Same messages, same
calls, byte for byte: the demo and tests can show tool and plan spans without a network model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from llmloop.build.agents.loop import PLAN_INSTRUCTIONS_START
from llmloop.build.providers.local_reading import content_terms, read_messages
from llmloop.domain.chat import ChatMessage, ChatRequest, Role, ToolCall, ToolDefinition

__all__ = ["plan_text", "wanted_tool_calls"]

_QUOTED = re.compile(r"\"([^\"]+)\"|'([^']+)'")
_IDENTIFIER = re.compile(r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_NUMBER = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?(?![\w-])")
_CATALOGUE = re.compile(r"\[.*\]", re.S)


def _question(messages: Sequence[ChatMessage]) -> str:
    return read_messages(tuple(messages)).question


def _fill_string(question: str, used: set[str]) -> str:
    for pattern in (_QUOTED, _IDENTIFIER):
        for match in pattern.finditer(question):
            value = next((group for group in match.groups() if group), match.group(0))
            if value not in used:
                used.add(value)
                return value
    return question


def _fill(question: str, schema: Mapping[str, Any], used: set[str]) -> Any:
    """A value for one parameter, or ``None`` when the question holds none."""
    if "enum" in schema:
        lowered = question.lower()
        return next((v for v in schema["enum"] if str(v).lower() in lowered), None)
    kind = schema.get("type")
    if kind == "string":
        return _fill_string(question, used)
    if kind in ("number", "integer"):
        identifiers = " ".join(m.group(0) for m in _IDENTIFIER.finditer(question))
        for match in _NUMBER.finditer(question):
            text = match.group(0)
            if text in used or text in identifiers:
                continue
            used.add(text)
            return float(text) if kind == "number" else int(float(text))
    return None


def _arguments(question: str, parameters: Mapping[str, Any]) -> dict[str, Any] | None:
    properties: Mapping[str, Any] = parameters.get("properties") or {}
    required = set(parameters.get("required") or ())
    used: set[str] = set()
    arguments: dict[str, Any] = {}
    for name, schema in properties.items():
        value = _fill(question, schema if isinstance(schema, Mapping) else {}, used)
        if value is not None:
            arguments[name] = value
        elif name in required:
            return None
    return arguments


def _calls(question: str, tools: Sequence[ToolDefinition]) -> list[ToolCall]:
    asked = content_terms(question)
    chosen: list[tuple[int, str, dict[str, Any]]] = []
    for tool in tools:
        described = set(content_terms(f"{tool.name.replace('_', ' ')} {tool.description}"))
        positions = [index for index, term in enumerate(asked) if term in described]
        arguments = _arguments(question, tool.parameters) if positions else None
        if arguments is not None:
            chosen.append((positions[0], tool.name, arguments))
    chosen.sort(key=lambda item: (item[0], item[1]))
    return [
        ToolCall(id=f"local-{number}", name=name, arguments=arguments)
        for number, (_, name, arguments) in enumerate(chosen, start=1)
    ]


def wanted_tool_calls(request: ChatRequest) -> list[ToolCall]:
    """The tools the local model calls for *request* (none once results are in)."""
    if not request.tools:
        return []
    last_user = max((i for i, m in enumerate(request.messages) if m.role is Role.USER), default=-1)
    if any(m.role is Role.TOOL for m in request.messages[last_user + 1 :]):
        return []
    return _calls(_question(request.messages), request.tools)


def plan_text(request: ChatRequest) -> str | None:
    """The plan as a JSON list of steps when *request* asks for one, else ``None``."""
    system = next((m.content for m in request.messages if m.role is Role.SYSTEM), "")
    if not system.startswith(PLAN_INSTRUCTIONS_START):
        return None
    found = _CATALOGUE.search(system)
    try:
        listed = json.loads(found.group(0)) if found else []
        tools = [ToolDefinition.model_validate(item) for item in listed]
    except ValueError:
        tools = []
    others = tuple(m for m in request.messages if m.role is not Role.SYSTEM)
    calls = _calls(_question(others or request.messages), tools)
    return json.dumps([{"tool": call.name, "arguments": call.arguments} for call in calls])
