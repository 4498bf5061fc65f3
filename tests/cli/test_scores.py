"""`llmloop scores|score-config|feedback`: tables, --json, refusals with exit code 2."""

from __future__ import annotations

import json

from tests.cli.conftest import RunCli

TRACE = "0af7651916cd43dd8448eb211c80319c"


def test_configs_then_scores_of_each_type(run_cli: RunCli) -> None:
    made = run_cli("score-config", "set", "tone", "--type", "categorical",
                   "--category", "polite", "--category", "rude")  # fmt: skip
    assert made.exit_code == 0, made.output
    run_cli("score-config", "set", "faithfulness", "--type", "numeric", "--min", "0", "--max", "1")
    configs = json.loads(run_cli("score-config", "list", "--json").stdout)
    assert [(c["name"], c["categories"]) for c in configs] == [
        ("faithfulness", None),
        ("tone", ["polite", "rude"]),
    ]
    assert "[0, 1]" in run_cli("score-config", "list").stdout

    numeric = run_cli("scores", "add", TRACE, "faithfulness", "0.9", "--comment", "grounded")
    assert numeric.exit_code == 0, numeric.output
    assert "faithfulness = 0.9" in numeric.stdout
    category = run_cli("scores", "add", TRACE, "tone", "polite", "--json")
    assert json.loads(category.stdout)["string_value"] == "polite"
    flag = json.loads(run_cli("scores", "add", TRACE, "resolved", "true", "--json").stdout)
    assert (flag["data_type"], flag["value"]) == ("boolean", 1.0)

    page = json.loads(run_cli("scores", "list", "--trace", TRACE, "--json").stdout)
    assert [s["name"] for s in page["items"]] == ["resolved", "tone", "faithfulness"]
    assert page["next_cursor"] is None
    first = json.loads(run_cli("scores", "list", "--limit", "1", "--json").stdout)
    assert first["next_cursor"]
    second = run_cli("scores", "list", "--limit", "1", "--cursor", first["next_cursor"], "--json")
    assert json.loads(second.stdout)["items"][0]["name"] == "tone"
    table = run_cli("scores", "list").stdout
    assert "grounded" in table
    shown = run_cli("scores", "show", flag["score_id"])
    assert "resolved" in shown.stdout


def test_refusals_exit_with_2_and_name_the_field(run_cli: RunCli) -> None:
    run_cli("score-config", "set", "faithfulness", "--type", "numeric", "--max", "1")
    too_high = run_cli("scores", "add", TRACE, "faithfulness", "3")
    assert too_high.exit_code == 2
    assert "value: 3 is above the maximum 1" in too_high.output
    not_a_number = run_cli("scores", "add", TRACE, "faithfulness", "high")
    assert not_a_number.exit_code == 2
    assert "'high' is not a number" in not_a_number.output
    bad_config = run_cli("score-config", "set", "tone", "--type", "categorical")
    assert bad_config.exit_code == 2
    assert "categories" in bad_config.output
    bad_time = run_cli("scores", "list", "--start", "yesterday")
    assert bad_time.exit_code == 2
    assert "--start: 'yesterday' is not an ISO 8601 time" in bad_time.output
    assert json.loads(run_cli("scores", "list", "--json").stdout)["items"] == []


def test_feedback_add_and_list(run_cli: RunCli) -> None:
    up = run_cli("feedback", "add", TRACE, "--up", "--comment", "spot on", "--user", "u-1")
    assert up.exit_code == 0, up.output
    assert "thumbs = true" in up.stdout
    rated = run_cli("feedback", "add", TRACE, "--rating", "4", "--json")
    assert json.loads(rated.stdout)["value"] == 4.0
    run_cli("scores", "add", TRACE, "faithfulness", "0.5")
    listed = json.loads(run_cli("feedback", "list", "--json").stdout)
    assert [(s["name"], s["source"]) for s in listed["items"]] == [
        ("rating", "user_feedback"),
        ("thumbs", "user_feedback"),
    ]
    assert "spot on" in run_cli("feedback", "list").stdout
    both = run_cli("feedback", "add", TRACE, "--up", "--rating", "5")
    assert both.exit_code == 2
    assert "exactly one of --up, --down or --rating" in both.output
    too_high = run_cli("feedback", "add", TRACE, "--rating", "6")
    assert too_high.exit_code == 2
    assert "rating: 6 is above the maximum 5" in too_high.output


def test_feedback_keys_are_made_with_key_create_feedback(run_cli: RunCli) -> None:
    made = run_cli("key", "create", "widget", "--feedback", "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["scope"] == "feedback"
    both = run_cli("key", "create", "widget", "--feedback", "--admin")
    assert both.exit_code == 2
