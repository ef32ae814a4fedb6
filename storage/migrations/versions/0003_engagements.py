"""Provider engagements: who was paged for an incident, and when they acknowledged and made
contact.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_engagements",
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("provider_id", sa.String(80), primary_key=True),
        sa.Column("notified_at", UtcDateTime, nullable=False),
        sa.Column("deadline_at", UtcDateTime, nullable=False),
        sa.Column("acknowledged_at", UtcDateTime, nullable=True),
        sa.Column("acknowledged_by", sa.String(200), nullable=False),
        sa.Column("acknowledged_by_name", sa.String(200), nullable=False),
        sa.Column("contact_at", UtcDateTime, nullable=True),
        sa.Column("contact_by", sa.String(200), nullable=False),
        sa.Column("contact_by_name", sa.String(200), nullable=False),
        sa.Column("contact_method", sa.String(16), nullable=False),
        sa.Column("contact_recorded_at", UtcDateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("provider_engagements")
