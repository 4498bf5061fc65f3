"""What alembic's model comparison finds different between a migrated store and the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Table

from llmloop.store.database import Database
from llmloop.store.schema import metadata

__all__ = ["drift"]


def _touches(difference: Any, tables: set[str]) -> bool:
    """Whether one alembic difference (a tuple, or a list of them) is about one of *tables*."""
    items = difference if isinstance(difference, list) else [difference]
    for item in items:
        for part in item:
            if isinstance(part, str) and part in tables:
                return True
            if isinstance(part, Table) and part.name in tables:
                return True
            table = getattr(part, "table", None)
            if isinstance(table, Table) and table.name in tables:
                return True
    return False


def drift(database: Database, tables: set[str]) -> list[Any]:
    """The differences between *database* and the models that concern *tables*."""
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    return [difference for difference in differences if _touches(difference, tables)]
