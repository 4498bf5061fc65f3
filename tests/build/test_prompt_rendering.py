"""Sandboxed rendering: provider-ready messages, strict variables, no way out of the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from llmloop.build.prompts.rendering import check_templates, render_prompt, template_variables
from llmloop.domain.prompts import PromptContent
from llmloop.errors import ValidationError


def content(**fields: Any) -> PromptContent:
    return PromptContent.model_validate(fields)


SUPPORT = content(
    kind="chat",
    messages=[
        {"role": "system", "content": "You are {{ tone }} support for {{ product }}."},
        {"role": "user", "content": "How do I reset my password?"},
        {"role": "assistant", "content": "Open Settings, then Security."},
        {"role": "user", "content": "{{ question }}"},
    ],
    variables=[
        {"name": "tone", "type": "string", "default": "friendly"},
        {"name": "product", "type": "string"},
        {"name": "question"},
    ],
    parameters={"model": "gpt-4o-mini", "temperature": 0.2},
)


def test_chat_renders_to_provider_ready_messages_with_defaults() -> None:
    rendered = render_prompt(SUPPORT, {"product": "Acme", "question": "Can I export data?"})
    assert rendered.messages == [
        {"role": "system", "content": "You are friendly support for Acme."},
        {"role": "user", "content": "How do I reset my password?"},
        {"role": "assistant", "content": "Open Settings, then Security."},
        {"role": "user", "content": "Can I export data?"},
    ]
    assert rendered.parameters.model == "gpt-4o-mini"
    assert rendered.text is None


def test_text_prompts_render_to_text_and_jinja_logic_works() -> None:
    prompt = content(
        kind="text",
        text="{% for item in items %}- {{ item | upper }}\n{% endfor %}",
        variables=[{"name": "items", "type": "list"}],
    )
    assert render_prompt(prompt, {"items": ["a", "b"]}).text == "- A\n- B\n"


def test_a_missing_variable_is_named() -> None:
    with pytest.raises(ValidationError, match="variable 'question' is missing"):
        render_prompt(SUPPORT, {"product": "Acme"})


def test_an_undeclared_variable_is_named() -> None:
    with pytest.raises(ValidationError, match="variable 'mood' is not declared"):
        render_prompt(SUPPORT, {"product": "Acme", "question": "?", "mood": "sad"})


def test_a_value_of_the_wrong_type_is_named() -> None:
    with pytest.raises(ValidationError, match="'product' should be of type string, not int"):
        render_prompt(SUPPORT, {"product": 3, "question": "?"})


def test_a_template_reading_an_undeclared_variable_is_refused_before_storing() -> None:
    sneaky = content(
        kind="text", text="Hi {{ name }} from {{ city }}", variables=[{"name": "name"}]
    )
    assert template_variables(sneaky) == {"name", "city"}
    with pytest.raises(ValidationError, match="'city', which is not declared"):
        check_templates(sneaky)


def test_jinja_globals_are_not_taken_for_variables() -> None:
    check_templates(content(kind="text", text="{% for i in range(3) %}{{ i }}{% endfor %}"))


def test_a_syntax_error_names_the_message_and_line() -> None:
    broken = content(
        kind="chat",
        messages=[{"role": "user", "content": "ok"}, {"role": "user", "content": "\n{{ x"}],
    )
    with pytest.raises(ValidationError, match=r"message 2 \(user\), line 2"):
        check_templates(broken)


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ value.__globals__ }}",
        "{{ value.__init__.__globals__['os'] }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    ],
)
def test_python_internals_are_out_of_reach(template: str) -> None:
    prompt = content(kind="text", text=template, variables=[{"name": "value"}])
    with pytest.raises(ValidationError, match="sandbox forbids"):
        render_prompt(prompt, {"value": render_prompt})


@pytest.mark.parametrize(
    "template", ["{% include '/etc/passwd' %}", "{% import '/etc/hosts' as h %}{{ h }}"]
)
def test_files_cannot_be_read(template: str) -> None:
    with pytest.raises(ValidationError, match="no includes"):
        render_prompt(content(kind="text", text=template), {})


def test_undefined_attributes_fail_instead_of_rendering_empty() -> None:
    prompt = content(kind="text", text="{{ user.name }}", variables=[{"name": "user"}])
    with pytest.raises(ValidationError, match="has no attribute 'name'"):
        render_prompt(prompt, {"user": {}})
