"""`llmloop prompt`: push files and folders, list, show, diff, label, render, history."""

from __future__ import annotations

import json
from pathlib import Path

from llmloop.client.local import LocalClient
from llmloop.server.run import ServerThread
from tests.cli.conftest import RunCli

SUPPORT = """\
name: support-reply
message: First cut
variables:
  question: {type: string}
  tone: {type: string, default: friendly}
parameters: {model: gpt-4o-mini, temperature: 0.2}
messages:
  - role: system
    content: You are {{ tone }} support.
  - role: user
    content: "{{ question }}"
"""

TRIAGE = """\
---
variables:
  ticket:
---
## system
Sort tickets.

## user
{{ ticket }}
"""


def prompt_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "prompts"
    folder.mkdir()
    (folder / "support.yaml").write_text(SUPPORT, encoding="utf-8")
    (folder / "triage.md").write_text(TRIAGE, encoding="utf-8")
    return folder


def test_push_a_folder_then_only_changed_prompts_make_versions(
    run_cli: RunCli, tmp_path: Path
) -> None:
    folder = prompt_folder(tmp_path)
    first = run_cli("prompt", "push", str(folder), "--json")
    assert first.exit_code == 0, first.output
    assert [(r["name"], r["version"], r["created"]) for r in json.loads(first.stdout)] == [
        ("support-reply", 1, True),
        ("triage", 1, True),
    ]
    (folder / "support.yaml").write_text(SUPPORT.replace("friendly", "calm"), encoding="utf-8")
    second = run_cli("prompt", "push", str(folder))
    assert second.exit_code == 0, second.output
    assert "support-reply: created version 2" in second.stdout
    assert "triage: unchanged (version 1)" in second.stdout
    listed = json.loads(run_cli("prompt", "list", "--json").stdout)
    assert {p["name"]: p["latest_version"] for p in listed} == {"support-reply": 2, "triage": 1}


def test_a_malformed_file_pushes_nothing_and_names_file_and_line(
    run_cli: RunCli, tmp_path: Path
) -> None:
    folder = prompt_folder(tmp_path)
    (folder / "zz-broken.yaml").write_text("name: broken\ntext: [oops\n", encoding="utf-8")
    result = run_cli("prompt", "push", str(folder))
    assert result.exit_code == 2
    assert f"{folder / 'zz-broken.yaml'}:3: invalid YAML" in result.output
    assert json.loads(run_cli("prompt", "list", "--json").stdout) == []


def test_two_files_with_one_name_are_refused(run_cli: RunCli, tmp_path: Path) -> None:
    folder = prompt_folder(tmp_path)
    (folder / "copy.yaml").write_text(SUPPORT, encoding="utf-8")
    result = run_cli("prompt", "push", str(folder))
    assert result.exit_code == 2
    assert "also defined in" in result.output


def test_show_render_and_diff_by_reference(run_cli: RunCli, tmp_path: Path) -> None:
    folder = prompt_folder(tmp_path)
    run_cli("prompt", "push", str(folder))
    (folder / "support.yaml").write_text(SUPPORT.replace("friendly", "calm"), encoding="utf-8")
    run_cli("prompt", "push", str(folder), "-m", "calmer")
    shown = json.loads(run_cli("prompt", "show", "support-reply@1", "--json").stdout)
    assert (shown["version"], shown["message"]) == (1, "First cut")
    assert "calmer" in run_cli("prompt", "show", "support-reply").stdout

    rendered = run_cli("prompt", "render", "support-reply@1", "--var", "question=Hi?", "--json")
    assert rendered.exit_code == 0, rendered.output
    assert json.loads(rendered.stdout)["messages"] == [
        {"role": "system", "content": "You are friendly support."},
        {"role": "user", "content": "Hi?"},
    ]
    missing = run_cli("prompt", "render", "support-reply@1")
    assert missing.exit_code == 2
    assert "variable 'question' is missing" in missing.output
    unknown = run_cli("prompt", "render", "support-reply@1", "-v", "question=x", "-v", "mood=y")
    assert unknown.exit_code == 2
    assert "variable 'mood' is not declared" in unknown.output

    changed = run_cli("prompt", "diff", "support-reply@1", "2")
    assert changed.exit_code == 1
    assert 'variable tone: default: "friendly" -> "calm"' in changed.stdout
    same = run_cli("prompt", "diff", "support-reply@2", "support-reply@2")
    assert same.exit_code == 0
    assert "same content" in same.stdout


def test_render_takes_typed_values_from_a_file(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "count.yaml").write_text(
        "name: count\nvariables: {n: {type: integer}}\ntext: 'n={{ n + 1 }}'\n", encoding="utf-8"
    )
    run_cli("prompt", "push", str(tmp_path / "count.yaml"))
    (tmp_path / "vars.json").write_text('{"n": 41}', encoding="utf-8")
    result = run_cli("prompt", "render", "count", "--vars", str(tmp_path / "vars.json"))
    assert result.exit_code == 0, result.output
    assert "n=42" in result.stdout
    wrong = run_cli("prompt", "render", "count", "--var", "n=41")
    assert wrong.exit_code == 2
    assert "should be of type integer" in wrong.output


def test_labels_protected_moves_and_history(run_cli: RunCli, tmp_path: Path) -> None:
    folder = prompt_folder(tmp_path)
    run_cli("prompt", "push", str(folder))
    (folder / "support.yaml").write_text(SUPPORT.replace("friendly", "calm"), encoding="utf-8")
    run_cli("prompt", "push", str(folder))

    staged = run_cli("prompt", "label", "support-reply@2", "staging")
    assert staged.exit_code == 0, staged.output
    assert "set support-reply:staging → version 2" in staged.stdout
    refused = run_cli("prompt", "label", "support-reply:staging", "production")
    assert refused.exit_code == 2
    assert "needs a reason" in refused.output
    promoted = run_cli(
        "prompt", "label", "support-reply:staging", "production", "--reason", "calm wins"
    )
    assert promoted.exit_code == 0, promoted.output
    assert "recorded in the audit log" in promoted.stdout
    version_like = run_cli("prompt", "label", "support-reply@1", "v2")
    assert version_like.exit_code == 2
    missing = run_cli("prompt", "label", "support-reply@9", "staging")
    assert missing.exit_code == 2
    assert "no version 9" in missing.output

    deleted = run_cli("prompt", "label", "support-reply", "staging", "--delete")
    assert deleted.exit_code == 0, deleted.output
    history = json.loads(run_cli("prompt", "history", "support-reply", "--json").stdout)
    assert [(e["label"], e["from_version"], e["to_version"]) for e in history] == [
        ("staging", 2, None),
        ("production", None, 2),
        ("staging", None, 2),
    ]
    assert history[1]["reason"] == "calm wins"
    only = json.loads(run_cli("prompt", "history", "support-reply:production", "--json").stdout)
    assert len(only) == 1
    table = run_cli("prompt", "history", "support-reply")
    assert "calm wins" in table.stdout


def test_unknown_prompts_exit_2(run_cli: RunCli) -> None:
    result = run_cli("prompt", "show", "ghost")
    assert result.exit_code == 2
    assert "prompt 'ghost' does not exist" in result.output
    assert run_cli("prompt", "show", "ghost@x").exit_code == 2


def test_the_cli_works_against_a_server(
    run_cli: RunCli, tmp_path: Path, server: ServerThread, local_admin: LocalClient
) -> None:
    secret = local_admin.keys.create("ci", project="default").secret
    env = {"LLMLOOP_SERVER_URL": server.url, "LLMLOOP_API_KEY": secret}
    folder = prompt_folder(tmp_path)
    pushed = run_cli("prompt", "push", str(folder), env=env)
    assert pushed.exit_code == 0, pushed.output
    labelled = run_cli("prompt", "label", "triage@1", "production", "-r", "first release", env=env)
    assert labelled.exit_code == 0, labelled.output
    assert local_admin.prompts.get("triage", label="production").version == 1
    assert "production" in run_cli("prompt", "list", env=env).stdout
