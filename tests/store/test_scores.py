"""The score tables: the migration builds exactly what the models declare."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Table

from llmloop.store.database import Database
from llmloop.store.schema import metadata

SCORE_TABLES = {"scores", "score_configs"}


def _touches_score_tables(difference: Any) -> bool:
    """Whether one alembic difference (a tuple, or a list of them) is about a score table."""
    items = difference if isinstance(difference, list) else [difference]
    for item in items:
        for part in item:
            if isinstance(part, str) and part in SCORE_TABLES:
                return True
            if isinstance(part, Table) and part.name in SCORE_TABLES:
                return True
            table = getattr(part, "table", None)
            if isinstance(table, Table) and table.name in SCORE_TABLES:
                return True
    return False


def test_migration_matches_the_models(fresh_database_url: str) -> None:
    database = Database(fresh_database_url)
    database.upgrade()
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in differences if _touches_score_tables(d)] == []
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_scores_project_name_created")
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d[0] for d in differences if _touches_score_tables(d)] == ["add_index"]
    database.close()
