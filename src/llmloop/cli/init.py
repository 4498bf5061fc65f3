"""`llmloop init`: make the embedded store ready in this folder."""

from __future__ import annotations

import typer

from llmloop.cli.output import console
from llmloop.cli.state import cli_state
from llmloop.store.database import Database


def init(ctx: typer.Context) -> None:
    """Create the home folder and the store, and migrate it to the current schema."""
    settings = cli_state(ctx).settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    try:
        before, after = database.upgrade()
    finally:
        database.close()
    state = "created" if before is None else "ready"
    console.print(f"store {state}: {database.redacted_url} (schema {after})")
    console.print("next: `llmloop demo` for a tour, `llmloop server` to serve a team")
