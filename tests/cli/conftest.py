"""Run the real CLI in-process with a given environment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from llmloop.cli.main import app

RunCli = Callable[..., Result]


@pytest.fixture
def run_cli(tmp_path: Path, database_url: str) -> RunCli:
    """Invoke `llmloop ARGS` against the test store; returns the result (stdout, exit code)."""

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        base_env = {"LLMLOOP_HOME": str(tmp_path / "home"), "LLMLOOP_DATABASE_URL": database_url}
        return runner.invoke(app, list(args), env={**base_env, **(env or {})})

    return run
