"""How commands print: Rich tables for people, ``--json`` for scripts, errors on stderr."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

__all__ = ["ExitCode", "JsonOption", "console", "error_console", "print_json", "print_table"]

console = Console(highlight=False, soft_wrap=True)
error_console = Console(stderr=True, highlight=False, soft_wrap=True)


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
"""The ``--json`` flag every listing command takes."""


class ExitCode:
    """Exit codes CI can rely on."""

    OK = 0
    CHECK_FAILED = 1  # the command ran and found a failure (a gate, a diff)
    USAGE = 2  # the command was used wrongly: fix the input, settings or key
    RUNTIME = 3  # something outside the command failed: database, server, provider


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def print_json(value: Any) -> None:
    """Print *value* (models, lists, dicts) as JSON on stdout."""
    console.out(json.dumps(_plain(value), indent=2, sort_keys=False), highlight=False)


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a table; an empty one says so."""
    if not rows:
        console.print(f"[dim]no {title.lower()}[/dim]")
        return
    table = Table(title=title, title_justify="left", show_edge=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)
