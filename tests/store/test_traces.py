"""The trace tables: migration 0003 builds exactly what the models declare, on both dialects."""

from __future__ import annotations

from sqlalchemy import inspect

from llmloop.store.database import Database
from tests.store.schema_drift import drift

TRACE_TABLES = {"traces", "spans"}


def test_migration_matches_the_models(fresh_database_url: str) -> None:
    database = Database(fresh_database_url)
    database.upgrade()
    assert drift(database, TRACE_TABLES) == []
    # The comparison does see a missing piece of the trace tables:
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_traces_project_user_start")
    assert [d[0] for d in drift(database, TRACE_TABLES)] == ["add_index"]
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
