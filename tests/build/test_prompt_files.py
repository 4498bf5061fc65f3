"""Prompt files: YAML and Markdown with front matter; every error names the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmloop.build.prompts.files import find_prompt_files, read_prompt_file
from llmloop.domain.prompts import PromptKind, VariableType
from llmloop.errors import ValidationError

YAML_PROMPT = """\
name: support-reply
message: First cut
variables:
  question: {type: string}
  tone: {type: string, default: friendly}
parameters: {model: gpt-4o-mini, temperature: 0.2, max_tokens: 300, extras: {top_p: 0.9}}
messages:
  - role: system
    content: You are {{ tone }} support.
  - role: user
    content: "{{ question }}"
"""

MARKDOWN_CHAT = """\
---
name: triage
variables:
  ticket:
parameters:
  model: claude-haiku
---
## system
Sort tickets into billing, bug or other.

## user
Refund please

## assistant
billing

## user
{{ ticket }}
"""

MARKDOWN_TEXT = """\
---
variables: {topic: {type: string}}
---
# A heading that is not a role

Write one paragraph about {{ topic }}.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_yaml_chat_prompt(tmp_path: Path) -> None:
    parsed = read_prompt_file(write(tmp_path, "support.yaml", YAML_PROMPT))
    assert parsed.name == "support-reply"
    assert parsed.message == "First cut"
    assert parsed.content.kind is PromptKind.CHAT
    assert [m.role for m in parsed.content.messages] == ["system", "user"]
    assert parsed.content.variables[0].type is VariableType.STRING
    assert parsed.content.variables[1].default == "friendly"
    assert parsed.content.parameters.max_tokens == 300
    assert parsed.content.parameters.extras == {"top_p": 0.9}


def test_a_markdown_chat_prompt_uses_role_headings(tmp_path: Path) -> None:
    parsed = read_prompt_file(write(tmp_path, "triage.md", MARKDOWN_CHAT))
    assert parsed.content.kind is PromptKind.CHAT
    assert [(m.role, m.content) for m in parsed.content.messages] == [
        ("system", "Sort tickets into billing, bug or other."),
        ("user", "Refund please"),
        ("assistant", "billing"),
        ("user", "{{ ticket }}"),
    ]
    assert parsed.content.parameters.model == "claude-haiku"


def test_a_markdown_text_prompt_is_named_after_its_file(tmp_path: Path) -> None:
    parsed = read_prompt_file(write(tmp_path, "essay.md", MARKDOWN_TEXT))
    assert parsed.name == "essay"
    assert parsed.content.kind is PromptKind.TEXT
    assert parsed.content.text == (
        "# A heading that is not a role\n\nWrite one paragraph about {{ topic }}.\n"
    )


def test_kind_text_keeps_role_headings_as_text(tmp_path: Path) -> None:
    text = MARKDOWN_CHAT.replace("name: triage", "name: triage\nkind: text")
    parsed = read_prompt_file(write(tmp_path, "t.md", text))
    assert parsed.content.kind is PromptKind.TEXT
    assert parsed.content.text is not None
    assert parsed.content.text.startswith("## system\n")


@pytest.mark.parametrize(
    ("name", "text", "where", "problem"),
    [
        (
            "bad.yaml",
            "name: x\nmessages:\n  - role: user\n    content: [unclosed\n",
            5,
            "invalid YAML",
        ),
        ("bad.yaml", "name: x\ntext: hi\nsurprise: 1\n", 3, "unknown key 'surprise'"),
        ("bad.yaml", "name: Bad Name\ntext: hi\n", 1, "not allowed"),
        ("bad.yaml", "- just\n- a list\n", 1, "must be a YAML mapping"),
        ("bad.yaml", "name: x\nmessages:\n  - {role: robot, content: hi}\n", 2, "messages.0.role"),
        ("bad.yaml", "name: x\ntext: '{{ who }}'\n", 2, "'who', which is not declared"),
        ("bad.yaml", "name: x\nvariables:\n  a: 3\ntext: hi\n", 2, "variable 'a' must be"),
        ("bad.md", "name: x\n---\nhi\n", 1, "must start with '---'"),
        ("bad.md", "---\nname: x\nhi\n", 1, "never closed"),
        ("bad.md", "---\nname: x\nvariables: [\n---\nhi\n", 4, "invalid YAML"),
        ("bad.md", "---\nname: x\n---\nhello\n## user\nhi\n", 4, None),
        ("bad.md", "---\nname: x\nkind: chat\n---\nhello\n## user\nhi\n", 5, "before the first"),
        ("bad.md", "---\nname: x\ntext: hi\n---\nbody\n", 3, "belongs in the body"),
    ],
)
def test_malformed_files_name_the_file_and_line(
    tmp_path: Path, name: str, text: str, where: int, problem: str | None
) -> None:
    path = write(tmp_path, name, text)
    if problem is None:
        # Without role headings first, the body is a text prompt: valid, not an error.
        assert read_prompt_file(path).content.kind is PromptKind.TEXT
        return
    with pytest.raises(ValidationError) as caught:
        read_prompt_file(path)
    assert str(caught.value).startswith(f"{path}:{where}: ")
    assert problem in str(caught.value)


def test_folders_are_searched_for_prompt_files(tmp_path: Path) -> None:
    write(tmp_path, "prompts/a.yaml", YAML_PROMPT)
    write(tmp_path, "prompts/sub/b.md", MARKDOWN_TEXT)
    write(tmp_path, "prompts/notes.txt", "not a prompt")
    write(tmp_path, "prompts/README.md", "# Our prompts\n")
    write(tmp_path, "prompts/.drafts/c.yaml", YAML_PROMPT)
    found = find_prompt_files([tmp_path / "prompts"])
    assert [p.name for p in found] == ["a.yaml", "b.md"]
    readme = find_prompt_files([tmp_path / "prompts" / "README.md"])
    assert [p.name for p in readme] == ["README.md"]  # named explicitly, it is read
    with pytest.raises(ValidationError, match="no such file"):
        find_prompt_files([tmp_path / "missing"])
