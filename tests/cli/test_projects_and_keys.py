"""`llmloop project` and `llmloop key`: tables, --json, one-time secrets and exit codes."""

from __future__ import annotations

import json

from llmloop.client.local import LocalClient
from llmloop.domain.projects import KeyScope, digest_api_key
from llmloop.server.run import ServerThread
from llmloop.store.database import Database
from tests.cli.conftest import RunCli


def test_project_create_and_list_as_json(run_cli: RunCli) -> None:
    created = run_cli("project", "create", "support", "--description", "bot")
    assert created.exit_code == 0, created.output
    listed = run_cli("project", "list", "--json")
    assert listed.exit_code == 0
    projects = {p["name"]: p for p in json.loads(listed.stdout)}
    assert projects["support"]["description"] == "bot"
    assert "default" in projects


def test_project_list_table_names_every_project(run_cli: RunCli) -> None:
    run_cli("project", "create", "support")
    table = run_cli("project", "list")
    assert "support" in table.stdout
    assert "default" in table.stdout


def test_key_secret_is_printed_once_and_stored_hashed(run_cli: RunCli, database_url: str) -> None:
    made = run_cli("key", "create", "ci", "--json")
    assert made.exit_code == 0, made.output
    secret = json.loads(made.stdout)["secret"]
    listed = run_cli("key", "list", "--json")
    assert secret not in listed.stdout
    assert json.loads(listed.stdout)[0]["name"] == "ci"
    db = Database(database_url)
    with db.engine.connect() as connection:
        dump = "\n".join(str(row) for row in connection.exec_driver_sql("SELECT * FROM api_keys"))
    db.close()
    assert secret not in dump
    assert digest_api_key(secret) in dump


def test_revoke_then_list_shows_revocation(run_cli: RunCli) -> None:
    key_id = json.loads(run_cli("key", "create", "ci", "--json").stdout)["key_id"]
    assert run_cli("key", "revoke", key_id).exit_code == 0
    assert json.loads(run_cli("key", "list", "--json").stdout)[0]["revoked_at"] is not None


def test_usage_errors_exit_2_with_a_message(run_cli: RunCli) -> None:
    run_cli("project", "create", "support")
    again = run_cli("project", "create", "support")
    assert again.exit_code == 2
    assert "already exists" in again.stderr
    assert run_cli("project", "show", "Bad Name").exit_code == 2
    assert run_cli("key", "revoke", "nope").exit_code == 2


def test_an_unreachable_database_exits_3_without_the_password(run_cli: RunCli) -> None:
    result = run_cli(
        "project",
        "list",
        env={"LLMLOOP_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:1/x"},
    )
    assert result.exit_code == 3
    assert "could not be used" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_db_current_reports_up_to_date_after_upgrade(run_cli: RunCli) -> None:
    assert run_cli("db", "upgrade").exit_code == 0
    current = json.loads(run_cli("db", "current", "--json").stdout)
    assert current["up_to_date"] is True


def test_the_cli_talks_to_a_server_with_an_admin_key(
    run_cli: RunCli, server: ServerThread, local_admin: LocalClient
) -> None:
    secret = local_admin.keys.create("ops", scope=KeyScope.ADMIN).secret
    env = {"LLMLOOP_SERVER_URL": server.url, "LLMLOOP_API_KEY": secret}
    assert run_cli("project", "create", "remote-made", env=env).exit_code == 0
    assert "remote-made" in {p.name for p in local_admin.projects.list()}
    made = run_cli("key", "create", "ci", "--project", "remote-made", "--json", env=env)
    member = {
        "LLMLOOP_SERVER_URL": server.url,
        "LLMLOOP_API_KEY": json.loads(made.stdout)["secret"],
    }
    shown = run_cli("project", "show", "--json", env=member)
    assert json.loads(shown.stdout)["name"] == "remote-made"
    denied = run_cli("project", "create", "not-allowed", env=member)
    assert denied.exit_code == 2
    assert "admin key" in denied.stderr


def test_an_unreachable_server_exits_3(run_cli: RunCli) -> None:
    env = {"LLMLOOP_SERVER_URL": "http://127.0.0.1:1", "LLMLOOP_API_KEY": "llk_x_y"}
    result = run_cli("project", "list", env=env)
    assert result.exit_code == 3
    assert "could not be reached" in result.stderr
    assert "llk_x_y" not in result.stderr
