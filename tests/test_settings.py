"""Settings precedence: argument > environment > llmloop.yaml > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmloop.errors import ConfigurationError
from llmloop.settings import load_settings


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "llmloop.yaml"
    monkeypatch.setenv("LLMLOOP_CONFIG", str(path))
    monkeypatch.delenv("LLMLOOP_HOME")
    return path


def test_defaults_put_sqlite_under_the_home(config_file: Path) -> None:
    settings = load_settings()
    assert settings.home == Path(".llmloop")
    assert settings.resolved_database_url == "sqlite:///.llmloop/llmloop.db"
    assert not settings.uses_server


def test_file_beats_default(config_file: Path) -> None:
    config_file.write_text("project: from-file\nserver_port: 9001\n")
    settings = load_settings()
    assert (settings.project, settings.server_port) == ("from-file", 9001)


def test_environment_beats_file(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text("project: from-file\n")
    monkeypatch.setenv("LLMLOOP_PROJECT", "from-env")
    assert load_settings().project == "from-env"


def test_argument_beats_environment(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text("project: from-file\n")
    monkeypatch.setenv("LLMLOOP_PROJECT", "from-env")
    assert load_settings(project="from-arg").project == "from-arg"
    assert load_settings(project=None).project == "from-env"


def test_malformed_yaml_names_file_and_line(config_file: Path) -> None:
    config_file.write_text("project: ok\nserver_port: [unclosed\n")
    with pytest.raises(ConfigurationError, match=r"llmloop\.yaml:\d+: the settings file is not"):
        load_settings()


def test_unknown_setting_in_the_file_is_named(config_file: Path) -> None:
    config_file.write_text("databse_url: sqlite:///x.db\n")
    with pytest.raises(ConfigurationError, match="databse_url: is not a known setting"):
        load_settings()


def test_bad_value_is_named(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMLOOP_SERVER_PORT", "eighty")
    with pytest.raises(ConfigurationError, match="server_port"):
        load_settings()


def test_api_key_is_never_shown(config_file: Path) -> None:
    settings = load_settings(api_key="llk_abc_very-secret")
    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings.model_dump())
