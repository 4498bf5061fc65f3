"""The trace tables: migration 0003 builds exactly what the models declare, on both dialects."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Table, inspect

from llmloop.store.database import Database
from llmloop.store.schema import metadata

TRACE_TABLES = {"traces", "spans"}


def _touches_trace_tables(difference: Any) -> bool:
    """Whether one alembic difference (a tuple, or a list of them) is about a trace table."""
    items = difference if isinstance(difference, list) else [difference]
    for item in items:
        for part in item:
            if isinstance(part, str) and part in TRACE_TABLES:
                return True
            if isinstance(part, Table) and part.name in TRACE_TABLES:
                return True
            table = getattr(part, "table", None)
            if isinstance(table, Table) and table.name in TRACE_TABLES:
                return True
    return False


def test_migration_matches_the_models(fresh_database_url: str) -> None:
    database = Database(fresh_database_url)
    database.upgrade()
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in differences if _touches_trace_tables(d)] == []
    # The comparison does see a missing piece of the trace tables:
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_traces_project_user_start")
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d[0] for d in differences if _touches_trace_tables(d)] == ["add_index"]
    database.close()


def test_listing_indexes_lead_with_project_and_end_with_start_time(database: Database) -> None:
    indexes = {
        index["name"]: index["column_names"]
        for index in inspect(database.engine).get_indexes("traces")
        if str(index["name"]).startswith("ix_")
    }
    # The other sorts of a trace list (migration 0007) lead with the project, then the key.
    assert indexes.pop("ix_traces_project_duration") == ["project_id", "duration_ms"]
    assert indexes.pop("ix_traces_project_cost") == ["project_id", "cost_usd"]
    filters = {"app", "environment", "session_id", "user_id", "status", "variant"}
    covered = {column for columns in indexes.values() for column in columns[1:-1]}
    assert filters <= covered
    assert all(
        columns[0] == "project_id" and columns[-1] == "start_time" for columns in indexes.values()
    )
    unique = inspect(database.engine).get_unique_constraints("spans")
    assert [c["column_names"] for c in unique] == [["project_id", "trace_id", "span_id"]]


def test_downgrade_removes_the_trace_tables(fresh_database_url: str) -> None:
    from alembic import command

    database = Database(fresh_database_url)
    database.upgrade()
    with database.engine.begin() as connection:
        config = database._alembic_config(connection)
        command.downgrade(config, "0002")
    assert TRACE_TABLES.isdisjoint(inspect(database.engine).get_table_names())
    database.close()
