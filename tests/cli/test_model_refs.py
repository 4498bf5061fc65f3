"""`llmloop model add|list|show`: tables, --json, and refusals with exit code 2."""

from __future__ import annotations

import json

from tests.cli.conftest import RunCli


def test_add_list_and_show(run_cli: RunCli) -> None:
    added = run_cli(
        "model", "add", "support-ft",
        "--provider", "openai",
        "--provider-model", "ft:gpt-4o-mini:acme::9x7",
        "--base-model", "gpt-4o-mini",
        "--training-data", "support-faq@3",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "support-ft -> openai/ft:gpt-4o-mini:acme::9x7" in added.stdout

    listed = json.loads(run_cli("model", "list", "--json").stdout)
    assert [(ref["name"], ref["base_model"]) for ref in listed] == [("support-ft", "gpt-4o-mini")]
    table = run_cli("model", "list").stdout
    assert "support-faq@3" in table

    shown = run_cli("model", "show", "support-ft")
    assert shown.exit_code == 0
    assert "ft:gpt-4o-mini:acme::9x7" in shown.stdout
    assert json.loads(run_cli("model", "show", "support-ft", "--json").stdout)["provider"] == (
        "openai"
    )


def test_refusals_exit_2_and_say_why(run_cli: RunCli) -> None:
    run_cli("model", "add", "ft", "--provider", "openai", "--provider-model", "a")
    again = run_cli("model", "add", "ft", "--provider", "openai", "--provider-model", "b")
    assert again.exit_code == 2
    assert "'ft' already exists" in again.output
    bad = run_cli("model", "add", "x", "--provider", "Open AI", "--provider-model", "b")
    assert bad.exit_code == 2
    assert "provider: String should match" in bad.output
    missing = run_cli("model", "show", "nope")
    assert missing.exit_code == 2
    assert "'nope' does not exist" in missing.output
    assert json.loads(run_cli("model", "show", "ft", "--json").stdout)["provider_model"] == "a"
