"""Prompt registry: prompts, versions and labels.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Filled in by the prompt registry (issue 3); kept as a step so later migrations chain.
    pass


def downgrade() -> None:
    pass
