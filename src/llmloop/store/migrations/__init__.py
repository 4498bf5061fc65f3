"""Alembic migrations shipped in the package; applied on first use and by `llmloop db upgrade`."""
