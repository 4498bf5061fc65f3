"""Prompt files a team keeps in git: YAML (``.yaml``/``.yml``) and Markdown with front matter.

YAML::

    name: support-reply          # default: the file name without its extension
    message: Shorter answers     # optional commit message
    variables:
      customer: {type: string}
      tone: {type: string, default: friendly}
    parameters: {model: gpt-4o-mini, temperature: 0.2, max_tokens: 400}
    messages:                    # a chat prompt; or `text: ...` for a text prompt
      - {role: system, content: "You answer as {{ tone }} support."}
      - {role: user, content: "{{ customer }} asks: ..."}

Markdown: YAML front matter between ``---`` lines, then the body is the template. The body is a
chat prompt when its first non-blank line is a role heading (``## system``, ``## user``,
``## assistant``); each heading starts a message. Otherwise the body is a text prompt. Set
``kind: text`` in the front matter to keep role headings as text.

Every error names the file and the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
import yaml

from llmloop.build.prompts.rendering import check_templates
from llmloop.domain.names import validate_name
from llmloop.domain.prompts import PromptContent
from llmloop.errors import LlmloopError, ValidationError

__all__ = ["PROMPT_FILE_SUFFIXES", "PromptFile", "find_prompt_files", "read_prompt_file"]

PROMPT_FILE_SUFFIXES = (".yaml", ".yml", ".md")
_ROLE_HEADING = re.compile(r"^##\s+(system|user|assistant)\s*$", re.IGNORECASE)
_FRONT_MATTER_FENCE = "---"
_TOP_LEVEL_KEYS = {"name", "message", "kind", "variables", "parameters", "messages", "text"}


@dataclass(frozen=True)
class PromptFile:
    """A prompt read from a file: its name, content and commit message."""

    path: Path
    name: str
    content: PromptContent
    message: str


def _error(path: Path, line: int, problem: str, hint: str) -> ValidationError:
    return ValidationError(f"{path}:{line}: {problem}", hint=hint)


def _load_yaml(path: Path, text: str, *, first_line: int) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse a YAML mapping; return it and the line of each top-level key."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark is not None else 0)
        problem = getattr(exc, "problem", None) or "it could not be parsed"
        raise _error(
            path, line, f"invalid YAML: {problem}", "Fix the YAML syntax at that line."
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _error(
            path,
            first_line,
            "the prompt must be a YAML mapping",
            "Write 'name:', 'variables:', 'messages:' or 'text:' keys.",
        )
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = first_line + key_node.start_mark.line
    return data, lines


def _variables(raw: Any, path: Path, line: int) -> list[dict[str, Any]]:
    """Accept ``{name: spec}`` (the file form) or a list of ``{name: ...}``."""
    if raw is None:
        return []
    if isinstance(raw, list):
        return [item if isinstance(item, dict) else {"name": item} for item in raw]
    if isinstance(raw, dict):
        variables = []
        for name, spec in raw.items():
            if spec is None:
                spec = {}
            if not isinstance(spec, dict):
                raise _error(
                    path,
                    line,
                    f"variable {name!r} must be a mapping such as {{type: string}}",
                    "Write 'name: {type: string, default: ...}' or 'name:' alone.",
                )
            variables.append({"name": str(name), **spec})
        return variables
    raise _error(path, line, "'variables' must be a mapping", "Write 'variables: {customer: }'.")


def _content(data: dict[str, Any], lines: dict[str, int], path: Path) -> PromptContent:
    unknown = sorted(set(data) - _TOP_LEVEL_KEYS)
    if unknown:
        raise _error(
            path,
            lines.get(unknown[0], 1),
            f"unknown key {unknown[0]!r}",
            f"Use only: {', '.join(sorted(_TOP_LEVEL_KEYS))}.",
        )
    kind = data.get("kind") or ("text" if "text" in data else "chat")
    fields = {
        "kind": kind,
        "messages": data.get("messages") or [],
        "text": data.get("text"),
        "variables": _variables(data.get("variables"), path, lines.get("variables", 1)),
        "parameters": data.get("parameters") or {},
    }
    try:
        content = PromptContent.model_validate(fields)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "kind"
        where = ".".join(str(p) for p in first["loc"]) or "prompt"
        raise _error(
            path,
            lines.get(key, lines.get("messages", lines.get("text", 1))),
            f"{where}: {first['msg']}",
            "See docs/prompts.md for the file format.",
        ) from None
    try:
        check_templates(content)
    except ValidationError as exc:
        line = lines.get("messages", lines.get("text", 1))
        raise _error(path, line, exc.message, exc.hint or "") from None
    return content


def _split_front_matter(path: Path, text: str) -> tuple[str, str, int]:
    """Return ``(front matter, body, line where the body starts)``."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FRONT_MATTER_FENCE:
        raise _error(
            path,
            1,
            "a Markdown prompt must start with '---' front matter",
            "Begin the file with '---', YAML such as 'name: ...', then '---'.",
        )
    for index in range(1, len(lines)):
        if lines[index].strip() == _FRONT_MATTER_FENCE:
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    raise _error(
        path,
        1,
        "the front matter opened with '---' is never closed",
        "Add a line '---' after the front matter.",
    )


def _markdown_messages(path: Path, body: str, body_line: int) -> list[dict[str, str]]:
    messages: list[dict[str, Any]] = []
    for offset, line in enumerate(body.splitlines(keepends=True)):
        heading = _ROLE_HEADING.match(line.strip())
        if heading:
            messages.append({"role": heading.group(1).lower(), "lines": []})
        elif messages:
            messages[-1]["lines"].append(line)
        elif line.strip():
            raise _error(
                path,
                body_line + offset,
                "text before the first role heading",
                "Start each message with '## system', '## user' or '## assistant'.",
            )
    return [{"role": m["role"], "content": "".join(m["lines"]).strip("\n")} for m in messages]


def _read_markdown(path: Path, text: str) -> tuple[dict[str, Any], dict[str, int]]:
    front, body, body_line = _split_front_matter(path, text)
    data, lines = _load_yaml(path, front, first_line=2)
    for key in ("messages", "text"):
        if key in data:
            raise _error(
                path,
                lines[key],
                f"'{key}' belongs in the body of a Markdown prompt, not its front matter",
                "Move the template below the closing '---'.",
            )
    first = next((line.strip() for line in body.splitlines() if line.strip()), "")
    kind = data.get("kind") or ("chat" if _ROLE_HEADING.match(first) else "text")
    if kind == "chat":
        data["messages"] = _markdown_messages(path, body, body_line)
    else:
        data["text"] = body.strip("\n") + "\n"
    lines["messages"] = lines["text"] = body_line
    return data, lines


def read_prompt_file(path: Path) -> PromptFile:
    """Read and check one prompt file; raise ``ValidationError`` naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"{path}: cannot be read ({exc.__class__.__name__})",
            hint="Check the path and that the file is UTF-8 text.",
        ) from None
    if path.suffix == ".md":
        data, lines = _read_markdown(path, text)
    else:
        data, lines = _load_yaml(path, text, first_line=1)
    name = str(data.get("name") or path.stem)
    try:
        validate_name(name, what="prompt")
    except LlmloopError as exc:
        raise _error(path, lines.get("name", 1), exc.message, exc.hint or "") from None
    message = str(data.get("message") or "")
    return PromptFile(path=path, name=name, content=_content(data, lines, path), message=message)


def _is_prompt_in_folder(path: Path, folder: Path) -> bool:
    """Whether a file found in *folder* is a prompt file.

    Hidden folders are skipped, and so are Markdown files without front matter, so that a
    README.md beside the prompts is not taken for one (named explicitly, it is read anyway).
    """
    if path.suffix not in PROMPT_FILE_SUFFIXES or not path.is_file():
        return False
    if any(part.startswith(".") for part in path.relative_to(folder).parts):
        return False
    if path.suffix == ".md":
        with path.open(encoding="utf-8", errors="replace") as handle:
            return handle.readline().strip() == _FRONT_MATTER_FENCE
    return True


def find_prompt_files(paths: list[Path]) -> list[Path]:
    """The prompt files named by *paths*: files as given, folders searched recursively."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if _is_prompt_in_folder(p, path)))
        elif path.is_file():
            found.append(path)
        else:
            raise ValidationError(
                f"{path}: no such file or folder", hint="Name prompt files or folders of them."
            )
    return found
