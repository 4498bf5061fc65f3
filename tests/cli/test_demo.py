"""`llmloop demo` runs offline on a fresh store, and again on top of its own leftovers."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from llmloop.cli.main import app


def test_demo_runs_twice_on_a_fresh_store(tmp_path: Path) -> None:
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(app, ["demo", "--folder", str(tmp_path / "demo")])
        assert result.exit_code == 0, result.output
        assert "another project's data is invisible" in result.stdout
        assert "the key stops at once" in result.stdout
        assert "flush(): sent 9, dropped 0, failed 0" in result.stdout
        assert "demo complete" in result.stdout
    assert (tmp_path / "demo" / "llmloop.db").is_file()
