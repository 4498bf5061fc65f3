"""Traces: one summary row per trace, and span bodies.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from llmloop.store.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CONTEXT = ("app", "app_version", "environment", "variant")
_WHO = ("session_id", "user_id")
_TRACE_INDEXES = {
    "ix_traces_project_start": ["project_id", "start_time"],
    "ix_traces_project_app_start": ["project_id", "app", "app_version", "start_time"],
    "ix_traces_project_environment_start": ["project_id", "environment", "start_time"],
    "ix_traces_project_session_start": ["project_id", "session_id", "start_time"],
    "ix_traces_project_user_start": ["project_id", "user_id", "start_time"],
    "ix_traces_project_status_start": ["project_id", "status", "start_time"],
}


def _context_columns() -> list[sa.Column[Any]]:
    return [
        *(sa.Column(name, sa.String(200), nullable=True) for name in _CONTEXT),
        sa.Column("rollout_step", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.String(200), nullable=True) for name in _WHO),
        sa.Column("tags", sa.JSON(), nullable=False),
    ]


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"],
        ["projects.id"],
        name=f"fk_{table}_project_id_projects",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "traces",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("trace_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(500), nullable=True),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("has_root", sa.Boolean(), nullable=False),
        *_context_columns(),
        sa.Column("start_time", UtcDateTime(), nullable=False),
        sa.Column("end_time", UtcDateTime(), nullable=False),
        sa.Column("start_ns", sa.BigInteger(), nullable=False),
        sa.Column("end_ns", sa.BigInteger(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("span_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("total_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("unpriced_span_count", sa.Integer(), nullable=False),
        sa.Column("input_preview", sa.Text(), nullable=True),
        sa.Column("output_preview", sa.Text(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_traces"),
        _project_fk("traces"),
        sa.UniqueConstraint("project_id", "trace_id", name="uq_traces_project_id_trace_id"),
    )
    for name, columns in _TRACE_INDEXES.items():
        op.create_index(name, "traces", columns)
    op.create_table(
        "spans",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("trace_id", sa.String(32), nullable=False),
        sa.Column("span_id", sa.String(16), nullable=False),
        sa.Column("parent_span_id", sa.String(16), nullable=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("otel_kind", sa.SmallInteger(), nullable=False),
        sa.Column("scope", sa.String(200), nullable=True),
        sa.Column("start_time", UtcDateTime(), nullable=False),
        sa.Column("end_time", UtcDateTime(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("provider", sa.String(100), nullable=True),
        *(
            sa.Column(f"{name}_tokens", sa.BigInteger(), nullable=True)
            for name in ("input", "output", "total", "cache_read", "cache_write", "reasoning")
        ),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("cost_source", sa.String(16), nullable=True),
        *_context_columns(),
        sa.Column("input", sa.Text(), nullable=True),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("input_truncated", sa.Boolean(), nullable=False),
        sa.Column("output_truncated", sa.Boolean(), nullable=False),
        sa.Column("truncation", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("resource_attributes", sa.JSON(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("conventions_version", sa.String(20), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_spans"),
        _project_fk("spans"),
        sa.UniqueConstraint(
            "project_id", "trace_id", "span_id", name="uq_spans_project_id_trace_id_span_id"
        ),
    )
    op.create_index("ix_spans_project_start", "spans", ["project_id", "start_time"])


def downgrade() -> None:
    op.drop_index("ix_spans_project_start", table_name="spans")
    op.drop_table("spans")
    for name in _TRACE_INDEXES:
        op.drop_index(name, table_name="traces")
    op.drop_table("traces")
