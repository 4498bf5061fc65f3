"""The apps migration creates exactly the table the model describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from llmloop.store.database import Database
from llmloop.store.schema import metadata


def test_migration_0004_matches_the_app_versions_model(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [
            difference
            for difference in compare_metadata(context, metadata)
            if "app_versions" in repr(difference)
        ]
    assert differences == []
