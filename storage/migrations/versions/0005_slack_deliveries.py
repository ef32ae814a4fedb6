"""Keys of Slack deliveries already acted on, so retries and replays are no-ops.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_deliveries",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_slack_deliveries_expires", "slack_deliveries", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_deliveries_expires", table_name="slack_deliveries")
    op.drop_table("slack_deliveries")
