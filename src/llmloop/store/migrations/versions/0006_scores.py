"""Scores on traces and spans, and per-project score configs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from llmloop.store.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_SCORE_INDEXES = {
    "ix_scores_project_trace_name": ["project_id", "trace_id", "name"],
    "ix_scores_project_name_created": ["project_id", "name", "created_at"],
    "ix_scores_project_created": ["project_id", "created_at"],
    "ix_scores_project_source_created": ["project_id", "source", "created_at"],
}


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"],
        ["projects.id"],
        name=f"fk_{table}_project_id_projects",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "scores",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("score_id", sa.String(32), nullable=False),
        sa.Column("trace_id", sa.String(32), nullable=False),
        sa.Column("span_id", sa.String(16), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("string_value", sa.String(200), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scores"),
        _project_fk("scores"),
        sa.UniqueConstraint("project_id", "score_id", name="uq_scores_project_id_score_id"),
        sa.UniqueConstraint(
            "project_id", "idempotency_key", name="uq_scores_project_id_idempotency_key"
        ),
    )
    for name, columns in _SCORE_INDEXES.items():
        op.create_index(name, "scores", columns)
    op.create_table(
        "score_configs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_score_configs"),
        _project_fk("score_configs"),
        sa.UniqueConstraint("project_id", "name", name="uq_score_configs_project_id_name"),
    )


def downgrade() -> None:
    op.drop_table("score_configs")
    for name in _SCORE_INDEXES:
        op.drop_index(name, table_name="scores")
    op.drop_table("scores")
