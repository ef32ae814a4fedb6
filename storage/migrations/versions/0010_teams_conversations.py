"""Teams conversation references: where the bot may post to a council or provider on Teams
without being spoken to first, learnt when the app is installed or first addressed.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_conversations",
        sa.Column("conversation_id", sa.String(400), primary_key=True),
        sa.Column("org_kind", sa.String(16), nullable=False),
        sa.Column("org_id", sa.String(80), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("service_url", sa.String(400), nullable=False),
        sa.Column("conversation_type", sa.String(16), nullable=False),
        sa.Column("bot_id", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_teams_conversations_org", "teams_conversations", ["org_kind", "org_id"])


def downgrade() -> None:
    op.drop_index("ix_teams_conversations_org", "teams_conversations")
    op.drop_table("teams_conversations")
