"""Alembic environment: runs on the connection that llmloop hands over, never its own."""

from __future__ import annotations

from alembic import context

from llmloop.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "llmloop migrations run through `llmloop db upgrade` or the store's first use, "
        "not through the alembic command line"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
