"""Teams incident cards: the activity id of the incident's card in each Teams conversation
taking part (the council's, each assigned provider's), so it is updated in place from any
replica after any restart instead of posted again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_cards",
        sa.Column("incident_id", sa.String(36), primary_key=True),
        sa.Column("conversation_id", sa.String(400), primary_key=True),
        sa.Column("activity_id", sa.String(200), nullable=False),
        sa.Column("org_kind", sa.String(16), nullable=False),
        sa.Column("org_id", sa.String(80), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("teams_cards")
