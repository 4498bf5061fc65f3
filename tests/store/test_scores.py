"""The score tables: the migration builds exactly what the models declare."""

from __future__ import annotations

from llmloop.store.database import Database
from tests.store.schema_drift import drift

SCORE_TABLES = {"scores", "score_configs"}


def test_migration_matches_the_models(fresh_database_url: str) -> None:
    database = Database(fresh_database_url)
    database.upgrade()
    assert drift(database, SCORE_TABLES) == []
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_scores_project_name_created")
    assert [d[0] for d in drift(database, SCORE_TABLES)] == ["add_index"]
    database.close()
