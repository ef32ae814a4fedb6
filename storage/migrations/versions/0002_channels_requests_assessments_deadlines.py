"""Platform bindings (channels, invites, posted messages), idempotency keys, threshold
assessments and deadline rows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_channels",
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("channel_name", sa.String(120), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_incident_channels_channel", "incident_channels", ["platform", "channel_id"])
    op.create_table(
        "external_invites",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("org_kind", sa.String(16), nullable=False),
        sa.Column("org_id", sa.String(80), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("invite_id", sa.String(64), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("incident_id", "platform", "email", name="uq_invite_once"),
    )
    op.create_table(
        "posted_messages",
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("purpose", sa.String(32), primary_key=True),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("message_ts", sa.String(64), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "processed_requests",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("assessor_id", sa.String(200), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("recommendation", sa.String(16), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("rationale", sa.Text, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("confirmed_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("decided_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_assessments_incident", "assessments", ["incident_id"])
    op.create_table(
        "deadlines",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("due_at", UtcDateTime, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("fired_at", UtcDateTime, nullable=True),
        sa.Column("claimed_by", sa.String(120), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_index("ix_deadlines_state_due", "deadlines", ["state", "due_at"])
    op.create_index("ix_deadlines_incident", "deadlines", ["incident_id", "state"])


def downgrade() -> None:
    for table in (
        "deadlines",
        "assessments",
        "processed_requests",
        "posted_messages",
        "external_invites",
        "incident_channels",
    ):
        op.drop_table(table)
