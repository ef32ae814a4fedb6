"""Notifications checklist items, lessons-learned collections and submissions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checklist_items",
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("item", sa.String(16), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("done_at", UtcDateTime, nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "lessons_collections",
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("organisations", sa.JSON, nullable=False),
        sa.Column("requested_at", UtcDateTime, nullable=False),
        sa.Column("closed_at", UtcDateTime, nullable=True),
        sa.Column("closed_by", sa.String(200), nullable=False),
        sa.Column("closed_by_name", sa.String(200), nullable=False),
    )
    op.create_table(
        "lessons_submissions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("organisation", sa.String(120), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("recommendations", sa.JSON, nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("submitted_by_name", sa.String(200), nullable=False),
        sa.Column("submitted_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("incident_id", "organisation", name="uq_lessons_once_per_org"),
    )


def downgrade() -> None:
    for table in ("lessons_submissions", "lessons_collections", "checklist_items"):
        op.drop_table(table)
