"""The demo's prompt registry chapter: files in git, versions, labels, rendering, diffs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from llmloop.build.prompts.files import find_prompt_files, read_prompt_file
from llmloop.cli.output import console, print_table
from llmloop.client.local import LocalClient
from llmloop.domain.prompt_diff import diff_prompts
from llmloop.errors import ValidationError
from llmloop.sdk.prompts import PromptFetcher
from llmloop.settings import Settings

__all__ = ["prompts_chapter"]

SUPPORT_YAML = """\
name: support-reply
message: First cut
variables:
  question: {type: string}
  tone: {type: string, default: friendly}
parameters: {model: gpt-4o-mini, temperature: 0.2, max_tokens: 300}
messages:
  - role: system
    content: You are {{ tone }} support for Acme. Answer in two sentences.
  - role: user
    content: How do I reset my password?
  - role: assistant
    content: Open Settings, then Security, and choose Reset password.
  - role: user
    content: "{{ question }}"
"""

TRIAGE_MD = """\
---
name: triage
variables:
  ticket: {type: string}
---
## system
Sort the ticket into billing, bug or other. Answer with one word.

## user
{{ ticket }}
"""


def _push(local: LocalClient, folder: Path) -> None:
    for path in find_prompt_files([folder]):
        file = read_prompt_file(path)
        result = local.prompts.push(file.name, file.content, message=file.message)
        state = (
            f"created version {result.version.version}"
            if result.created
            else f"unchanged (version {result.version.version})"
        )
        console.print(f"  {path.name} → {file.name}: {state}")


def prompts_chapter(settings: Settings, step: Callable[[str], None]) -> None:
    """Push prompt files, label, render and diff them on the demo's store."""
    folder = settings.home / "prompts"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "support.yaml").write_text(SUPPORT_YAML, encoding="utf-8")
    (folder / "triage.md").write_text(TRIAGE_MD, encoding="utf-8")
    local = LocalClient.from_settings(settings)
    try:
        step("Prompts: files in git, immutable versions, protected labels")
        console.print(f"$ llmloop prompt push {folder}")
        _push(local, folder)
        console.print("pushing again changes nothing:")
        _push(local, folder)
        edited = (
            SUPPORT_YAML.replace("friendly", "calm")
            .replace("First cut", "Calmer and shorter")
            .replace("Answer in two sentences.", "Answer in one sentence.")
            .replace("temperature: 0.2", "temperature: 0.1")
        )
        (folder / "support.yaml").write_text(edited, encoding="utf-8")
        console.print("after editing support.yaml:")
        _push(local, folder)

        local.prompts.set_label("support-reply", "staging", 2)
        console.print("staging → support-reply@2 (a free pointer)")
        try:
            local.prompts.set_label("support-reply", "production", 2)
        except ValidationError as error:
            console.print(f"refused without a reason: [dim]{error}[/dim]")
        local.prompts.set_label("support-reply", "production", 2, reason="calmer tone reviewed")
        console.print("production → support-reply@2, with a reason, in the audit log")

        fetcher = PromptFetcher(local, ttl_s=settings.prompt_cache_ttl_s)
        try:
            served = fetcher.get("support-reply", label="production")
            rendered = served.render(question="Can I export my data?")
        finally:
            fetcher.close()
        console.print(
            f"the SDK served {served.reference} (label {served.label}, "
            f"hash {served.hash[:12]}), rendered for the provider:"
        )
        for message in rendered.messages:
            console.print(f"  [bold]{message['role']}[/bold]: {message['content']}")

        console.print("$ llmloop prompt diff support-reply@1 2")
        diff = diff_prompts(
            local.prompts.get("support-reply", version=1),
            local.prompts.get("support-reply", version=served.version),
        )
        console.out(diff.as_text(), highlight=False, end="")
        print_table(
            "Label history (llmloop prompt history support-reply)",
            ["label", "from", "to", "why"],
            [
                (e.label, e.from_version or "-", e.to_version, e.reason)
                for e in local.prompts.history("support-reply")
            ],
        )
    finally:
        local.close()
