"""Which labels are protected comes from settings, for the embedded store and the server."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmloop.client.http import HttpClient
from llmloop.client.local import LocalClient
from llmloop.domain.prompts import PromptContent
from llmloop.errors import ValidationError
from llmloop.server.app import create_app
from llmloop.server.run import ServerThread
from llmloop.settings import load_settings
from llmloop.store.database import Database

TEXT = PromptContent.model_validate({"kind": "text", "text": "hello"})


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().protected_labels == ("production",)
    monkeypatch.setenv("LLMLOOP_PROTECTED_LABELS", '["production", "eu-prod"]')
    assert load_settings().protected_labels == ("production", "eu-prod")


def test_the_embedded_client_protects_the_configured_labels(tmp_path: Path) -> None:
    local = LocalClient.from_settings(load_settings(home=tmp_path, protected_labels=["eu-prod"]))
    try:
        local.prompts.push("greet", TEXT)
        with pytest.raises(ValidationError, match="'eu-prod' is protected"):
            local.prompts.set_label("greet", "eu-prod", 1)
        assert not local.prompts.set_label("greet", "production", 1).protected
    finally:
        local.close()


def test_the_server_protects_the_configured_labels(tmp_path: Path, database_url: str) -> None:
    settings = load_settings(home=tmp_path, database_url=database_url, protected_labels=["eu-prod"])
    database = Database(database_url)
    local = LocalClient.from_settings(settings)
    secret = local.keys.create("app", project="default").secret
    try:
        with ServerThread(create_app(settings, database=database)) as server:
            remote = HttpClient.from_settings(load_settings(server_url=server.url, api_key=secret))
            try:
                remote.prompts.push("greet", TEXT)
                with pytest.raises(ValidationError, match="'eu-prod' is protected"):
                    remote.prompts.set_label("greet", "eu-prod", 1)
                assert remote.prompts.set_label("greet", "eu-prod", 1, reason="go").protected
            finally:
                remote.close()
    finally:
        local.close()
        database.close()
