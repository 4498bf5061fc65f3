"""Indexes for trace queries: app and variant filters, sorting by duration or cost.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_INDEXES = {
    # "Traces of app X" without a version: the (app, app_version, start_time) index cannot
    # give start_time order for that, so such a listing would sort every trace of the app.
    "ix_traces_project_app_only_start": ["project_id", "app", "start_time"],
    "ix_traces_project_variant_start": ["project_id", "variant", "start_time"],
    "ix_traces_project_duration": ["project_id", "duration_ms"],
    "ix_traces_project_cost": ["project_id", "cost_usd"],
}


def upgrade() -> None:
    for name, columns in _INDEXES.items():
        op.create_index(name, "traces", columns)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="traces")
