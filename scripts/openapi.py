"""Write the server's OpenAPI document to docs/openapi.json (a test checks it is current)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from llmloop.server.app import create_app
from llmloop.settings import load_settings

TARGET = Path(__file__).parents[1] / "docs" / "openapi.json"


def main() -> None:
    """Regenerate the committed OpenAPI document."""
    with tempfile.TemporaryDirectory() as home:
        document = create_app(load_settings(home=Path(home))).openapi()
    TARGET.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
