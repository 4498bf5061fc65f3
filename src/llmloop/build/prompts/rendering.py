"""Sandboxed rendering of prompt templates with Jinja2.

Templates come from users and are stored on a shared server, so they run in Jinja2's
``SandboxedEnvironment``: no attribute starting with ``_`` (so no ``__class__`` walk to Python
internals), no unsafe callables, and no loader, so ``include``/``import`` cannot read files.
``StrictUndefined`` turns a missing variable into an error instead of an empty string. Only
declared variables may be used in a template or passed to :func:`render_prompt`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from llmloop.domain.prompts import PromptContent, PromptKind, RenderedPrompt
from llmloop.errors import ValidationError

__all__ = ["check_templates", "render_prompt", "template_variables"]


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    # Prompts are text, not HTML: escaping would corrupt them. keep_trailing_newline keeps a
    # template's text exactly as written.
    return SandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
    )


def _templates(content: PromptContent) -> Iterator[tuple[str, str]]:
    """Each template of *content* with where it is, e.g. ``("message 2 (user)", "...")``."""
    if content.kind is PromptKind.TEXT:
        yield "text", content.text or ""
        return
    for index, message in enumerate(content.messages, start=1):
        yield f"message {index} ({message.role})", message.content


def _parse(where: str, source: str) -> Any:
    try:
        return _environment().parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ValidationError(
            f"{where}, line {exc.lineno}: the template is not valid ({exc.message})",
            hint="Fix the Jinja2 syntax, e.g. '{{ customer }}' for a variable.",
        ) from None


def template_variables(content: PromptContent) -> set[str]:
    """Every variable the templates of *content* read."""
    used: set[str] = set()
    for where, source in _templates(content):
        used |= meta.find_undeclared_variables(_parse(where, source))
    # Jinja2's own globals (range, dict, ...) are not variables a caller passes.
    return used - set(_environment().globals)


def check_templates(content: PromptContent) -> None:
    """Raise ``ValidationError`` if a template is malformed or uses an undeclared variable."""
    declared = {v.name for v in content.variables}
    undeclared = sorted(template_variables(content) - declared)
    if undeclared:
        raise ValidationError(
            f"the template uses variable {undeclared[0]!r}, which is not declared",
            hint=f"Declare it under 'variables' (declared: {sorted(declared) or 'none'}).",
        )


def _values(content: PromptContent, given: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(given) - {v.name for v in content.variables})
    if unknown:
        raise ValidationError(
            f"variable {unknown[0]!r} is not declared by this prompt",
            hint="Pass only declared variables: "
            + (", ".join(v.name for v in content.variables) or "this prompt declares none"),
        )
    values: dict[str, Any] = {}
    for variable in content.variables:
        if variable.name in given:
            value = given[variable.name]
        elif not variable.required:
            value = variable.default
        else:
            raise ValidationError(
                f"variable {variable.name!r} is missing",
                hint=f"Pass a value for {variable.name!r}"
                + (f" ({variable.type.value})." if variable.type else "."),
            )
        if variable.type is not None and not variable.type.accepts(value):
            raise ValidationError(
                f"variable {variable.name!r} should be of type {variable.type.value}, "
                f"not {type(value).__name__}",
                hint=f"Pass a {variable.type.value} value for {variable.name!r}.",
            )
        values[variable.name] = value
    return values


@lru_cache(maxsize=1024)
def _compiled(source: str) -> jinja2.Template:
    # Compiled templates are immutable, so one compilation serves every thread.
    return _environment().from_string(source)


def _render_one(where: str, source: str, values: dict[str, Any]) -> str:
    try:
        return _compiled(source).render(values)
    except jinja2.UndefinedError as exc:
        raise ValidationError(
            f"{where}: {exc.message}",
            hint="The template reads something the variables do not have.",
        ) from None
    except jinja2.exceptions.SecurityError as exc:
        raise ValidationError(
            f"{where}: the template tried something the sandbox forbids ({exc})",
            hint="Templates may read variables, not Python internals, files or the network.",
        ) from None
    except jinja2.TemplateError as exc:
        raise ValidationError(
            f"{where}: the template failed ({exc})", hint="Fix the template."
        ) from None
    except TypeError as exc:
        # e.g. {% include %} with no loader, or calling a value that is not callable.
        raise ValidationError(
            f"{where}: the template failed ({exc})",
            hint="Templates may only use variables, filters and tests; no includes.",
        ) from None


def render_prompt(content: PromptContent, variables: Mapping[str, Any]) -> RenderedPrompt:
    """Render *content* with *variables*; messages come back ready for a provider."""
    values = _values(content, variables)
    if content.kind is PromptKind.TEXT:
        return RenderedPrompt(
            kind=content.kind,
            text=_render_one("text", content.text or "", values),
            parameters=content.parameters,
        )
    messages = [
        {"role": message.role, "content": _render_one(where, message.content, values)}
        for (where, _), message in zip(_templates(content), content.messages, strict=True)
    ]
    return RenderedPrompt(kind=content.kind, messages=messages, parameters=content.parameters)
