"""`import llmloop` stays light: no web framework, database layer or model SDK."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "openai",
    "anthropic",
    "typer",
    "rich",
    "pydantic_settings",
    "torch",
    "httpx2",
)


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(output)}


def test_import_llmloop_loads_nothing_heavy() -> None:
    assert not _modules_after("import llmloop") & set(HEAVY)


def test_public_names_load_on_first_use() -> None:
    loaded = _modules_after("import llmloop; llmloop.connect")
    assert "sqlalchemy" not in loaded  # the embedded store loads only when connect() runs
    assert "llmloop" in loaded
