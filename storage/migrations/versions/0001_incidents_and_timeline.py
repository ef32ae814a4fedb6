"""Incidents, gap-free reference counters and the append-only, hash-chained timeline.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(20), nullable=False, unique=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("council_id", sa.String(80), nullable=False, index=True),
        sa.Column("state", sa.String(32), nullable=False, index=True),
        sa.Column("marking", sa.String(32), nullable=False),
        sa.Column("mou_status", sa.String(16), nullable=False),
        sa.Column("mou_override_reason", sa.Text, nullable=False),
        sa.Column("recovery_opt_in", sa.Boolean, nullable=False),
        sa.Column("provider_ids", sa.JSON, nullable=False),
        sa.Column("referral", sa.JSON, nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("year", "number", name="uq_incidents_year_number"),
    )
    op.create_table(
        "reference_counters",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "timeline_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.String(200), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(120), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("incident_id", "seq", name="uq_timeline_incident_seq"),
    )
    op.create_index("ix_timeline_incident_at", "timeline_events", ["incident_id", "at"])
    _append_only_triggers()


def _append_only_triggers() -> None:
    """The timeline is evidence: the database itself refuses edits and deletions."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION timeline_append_only() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION 'timeline_events is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER timeline_append_only BEFORE UPDATE OR DELETE ON timeline_events "
            "FOR EACH ROW EXECUTE FUNCTION timeline_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER timeline_no_{action.lower()} BEFORE {action} ON timeline_events "
                "BEGIN SELECT RAISE(ABORT, 'timeline_events is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS timeline_append_only ON timeline_events")
        op.execute("DROP FUNCTION IF EXISTS timeline_append_only()")
    op.drop_table("timeline_events")
    op.drop_table("reference_counters")
    op.drop_table("incidents")
