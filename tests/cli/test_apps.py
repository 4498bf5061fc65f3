"""`llmloop app`: push files, list, show, diff and run, with exit codes that scripts can use."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import RunCli

PROMPT = """\
name: support
messages:
  - role: system
    content: Answer from the context.
  - role: user
    content: "Context: The Team plan costs 29 dollars per month. Refunds are available
      within 30 days.\\n\\nQuestion: {{ question }}"
variables:
  - name: question
"""


def _files(tmp_path: Path) -> tuple[Path, Path]:
    prompt = tmp_path / "support.yaml"
    prompt.write_text(PROMPT)
    app = tmp_path / "bot.yaml"
    app.write_text("name: bot\nkind: prompt\nprompt: support\nmodel: local/extractive\n")
    return prompt, app


def test_push_list_show_diff_and_run(run_cli: RunCli, tmp_path: Path) -> None:
    prompt, app = _files(tmp_path)
    assert run_cli("prompt", "push", str(prompt)).exit_code == 0
    pushed = run_cli("app", "push", str(app))
    assert pushed.exit_code == 0, pushed.output
    assert "created version 1" in pushed.output
    assert "unchanged (version 1)" in run_cli("app", "push", str(app)).output

    app.write_text(app.read_text() + "params:\n  max_tokens: 5\n")
    assert "created version 2" in run_cli("app", "push", str(app)).output
    listed = json.loads(run_cli("app", "list", "--json").output)
    assert [(a["name"], a["latest_version"]) for a in listed] == [("bot", 2)]
    shown = run_cli("app", "show", "bot@1")
    assert "prompt: support@1" in shown.output

    diff = run_cli("app", "diff", "bot@1", "2")
    assert diff.exit_code == 1
    assert "params.max_tokens: null -> 5" in diff.output

    ran = run_cli("app", "run", "bot@1", "--input", "When are refunds available?")
    assert ran.exit_code == 0, ran.output
    assert "Refunds are available within 30 days." in ran.output
    record = json.loads(
        run_cli(
            "app", "run", "bot", "-i", '{"question": "How much is the Team plan?"}', "--json"
        ).output
    )
    assert record["status"] == "ok"
    assert record["version"] == 2
    assert record["output"] == "The Team plan costs 29"  # cut at max_tokens 5 (version 2)
    assert len(record["trace_id"]) == 32


def test_bad_specs_and_failed_runs_exit_with_the_right_codes(
    run_cli: RunCli, tmp_path: Path
) -> None:
    prompt, app = _files(tmp_path)
    run_cli("prompt", "push", str(prompt))
    app.write_text("name: bot\nkind: prompt\nprompt: support\nmodel: nowhere/m\n")
    refused = run_cli("app", "push", str(app))
    assert refused.exit_code == 2
    assert "model: there is no model provider profile 'nowhere'" in refused.output

    providers = json.dumps({"broken": {"kind": "openai", "api_key_env": "NOT_SET_ANYWHERE"}})
    app.write_text("name: bot\nkind: prompt\nprompt: support\nmodel: broken/gpt-4o\n")
    env = {"LLMLOOP_PROVIDERS": providers}
    assert run_cli("app", "push", str(app), env=env).exit_code == 0
    failed = run_cli("app", "run", "bot", "-i", "Refunds?", env=env)
    assert failed.exit_code == 2  # a missing key is the caller's to fix
    assert "NOT_SET_ANYWHERE" in failed.output
