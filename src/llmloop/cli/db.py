"""`llmloop db`: the store's schema."""

from __future__ import annotations

import typer

from llmloop.cli.output import JsonOption, console, print_json
from llmloop.cli.state import cli_state
from llmloop.store.database import Database

app = typer.Typer(help="The store's schema (SQLite or PostgreSQL).", no_args_is_help=True)


def _database(ctx: typer.Context) -> Database:
    return Database(cli_state(ctx).settings().resolved_database_url)


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Apply pending migrations (the store also does this on first use)."""
    database = _database(ctx)
    try:
        before, after = database.upgrade()
    finally:
        database.close()
    if before == after:
        console.print(f"{database.redacted_url} is up to date (revision {after})")
    else:
        console.print(f"upgraded {database.redacted_url} from {before or 'empty'} to {after}")


@app.command("current")
def current(
    ctx: typer.Context,
    as_json: JsonOption = False,
) -> None:
    """Show the schema revision of the store and the newest this llmloop knows."""
    database = _database(ctx)
    try:
        revision, head = database.current_revision(), database.head_revision()
    finally:
        database.close()
    if as_json:
        print_json(
            {
                "database": database.redacted_url,
                "revision": revision,
                "head": head,
                "up_to_date": revision == head,
            }
        )
        return
    state = "up to date" if revision == head else f"behind (newest is {head})"
    console.print(f"{database.redacted_url}: revision {revision or 'none'}, {state}")
