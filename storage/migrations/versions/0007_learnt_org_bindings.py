"""Learnt workspace bindings: which council a Slack team belongs to, learnt from an accepted
Slack Connect invitation and confirmed by MHCLG.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learnt_org_bindings",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("team_id", sa.String(64), primary_key=True),
        sa.Column("org_kind", sa.String(16), nullable=False),
        sa.Column("org_id", sa.String(80), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("learnt_from_user", sa.String(64), nullable=False),
        sa.Column("learnt_at", UtcDateTime, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_by_name", sa.String(200), nullable=False),
        sa.Column("decided_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_learnt_org_bindings_status", "learnt_org_bindings", ["platform", "status"])


def downgrade() -> None:
    op.drop_index("ix_learnt_org_bindings_status", "learnt_org_bindings")
    op.drop_table("learnt_org_bindings")
