"""`llmloop traces list|show|tail` and `llmloop sessions list|show`."""

from __future__ import annotations

import json

from llmloop.client.local import LocalClient
from tests.cli.conftest import RunCli
from tests.monitor.otlp_builders import agent_trace, make_request, make_span, trace_id

_LOOKBACK = str(10 * 365 * 86_400)  # the test traces are dated by the test clock, not today


def _load(local_admin: LocalClient) -> None:
    spans = agent_trace(1, session="s-a") + agent_trace(2, session="s-a", user="u-2")
    spans.append(make_span(3, 30, name="lonely", attributes={"llmloop.tags": ["eval"]}))
    local_admin.traces.ingest(make_request(spans))


def test_list_filters_prints_cursor_and_json(run_cli: RunCli, local_admin: LocalClient) -> None:
    _load(local_admin)
    table = run_cli("traces", "list", "--limit", "2")
    assert table.exit_code == 0, table.output
    assert "next page: --cursor " in table.stdout
    assert trace_id(3).hex() in table.stdout
    cursor = table.stdout.split("--cursor ")[1].split()[0]
    rest = json.loads(
        run_cli("traces", "list", "--limit", "2", "--cursor", cursor, "--json").stdout
    )
    assert [item["trace_id"] for item in rest["items"]] == [trace_id(1).hex()]
    assert rest["next_cursor"] is None
    tagged = json.loads(run_cli("traces", "list", "--tag", "eval", "--json").stdout)
    assert [item["name"] for item in tagged["items"]] == ["lonely"]
    by_app = json.loads(
        run_cli("traces", "list", "--app", "support-bot", "--env", "production", "--json").stdout
    )
    assert len(by_app["items"]) == 2
    window = json.loads(
        run_cli(
            "traces", "list", "--start", "2025-12-31T00:00:00", "--end", "2026-01-01", "--json"
        ).stdout
    )
    assert window["items"] == []


def test_bad_filters_exit_2_naming_them(run_cli: RunCli, local_admin: LocalClient) -> None:
    _load(local_admin)
    inverted = run_cli("traces", "list", "--start", "2026-01-02", "--end", "2026-01-01")
    assert inverted.exit_code == 2
    assert "start" in inverted.output
    assert run_cli("traces", "list", "--sort", "tokens").exit_code == 2
    assert "cursor" in run_cli("traces", "list", "--cursor", "junk").output
    assert run_cli("traces", "list", "--since", "yesterday").exit_code == 2
    missing = run_cli("traces", "show", "a" * 32)
    assert missing.exit_code == 2
    assert "does not exist" in missing.output


def test_show_prints_the_span_tree(run_cli: RunCli, local_admin: LocalClient) -> None:
    _load(local_admin)
    shown = run_cli("traces", "show", trace_id(1).hex())
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    answer = next(line for line in lines if "answer" in line)
    chat = next(line for line in lines if "chat gpt-4o" in line)
    assert "agent" in answer
    assert "llm" in chat
    assert "gpt-4o" in chat
    assert "$0.0400" in chat
    # The child is drawn indented under its parent.
    assert chat.index("chat") > answer.index("answer")
    tree = json.loads(run_cli("traces", "show", trace_id(1).hex(), "--json").stdout)
    assert [child["name"] for child in tree["spans"][0]["children"]] == ["search", "chat gpt-4o"]


def test_tail_prints_each_trace_once_and_stops(run_cli: RunCli, local_admin: LocalClient) -> None:
    _load(local_admin)
    common = ("traces", "tail", "--lookback", _LOOKBACK, "--interval", "0")
    first_two = run_cli(*common, "--max", "2", "--json")
    assert first_two.exit_code == 0, first_two.output
    lines = [json.loads(line) for line in first_two.stdout.splitlines()]
    assert [line["trace_id"] for line in lines] == [trace_id(1).hex(), trace_id(2).hex()]
    once = run_cli(*common, "--timeout", "0")
    assert once.exit_code == 0
    assert len(once.stdout.splitlines()) == 3


def test_sessions_list_and_show(run_cli: RunCli, local_admin: LocalClient) -> None:
    _load(local_admin)
    listed = json.loads(run_cli("sessions", "list", "--json").stdout)
    [session] = listed["items"]
    assert (session["session_id"], session["trace_count"]) == ("s-a", 2)
    assert session["users"] == ["u-1", "u-2"]
    assert "s-a" in run_cli("sessions", "list").stdout
    shown = run_cli("sessions", "show", "s-a")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.count("user: How do I reset my password?") == 2
    assert "app:  Click 'Forgot password'." in shown.stdout
    assert run_cli("sessions", "show", "nope").exit_code == 2
