"""The store: SQLAlchemy models, repositories and Alembic migrations (SQLite or PostgreSQL)."""

from llmloop.store.database import Database

__all__ = ["Database"]
