"""The committed OpenAPI document matches the code (regenerate with scripts/openapi.py)."""

from __future__ import annotations

import json
from pathlib import Path

from llmloop.server.app import create_app
from llmloop.settings import load_settings

COMMITTED = Path(__file__).parents[2] / "docs" / "openapi.json"


def test_committed_openapi_document_is_current(tmp_path: Path) -> None:
    app = create_app(load_settings(home=tmp_path))
    current = json.loads(json.dumps(app.openapi()))
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert current == committed, (
        "the API changed: run `python scripts/openapi.py` and commit docs/openapi.json"
    )
