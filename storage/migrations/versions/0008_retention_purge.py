"""Retention: the record of purged incidents, and an append-only guard that lets the purge, and
only the purge, rewrite an event's content. (The daily purge itself is a deadline row: 0009.)

The guard still refuses every DELETE, TRUNCATE and INSERT OR REPLACE. An UPDATE passes only when
it leaves the event's place in the chain as it was (id, incident, seq, kind, time,
organisation, prev_hash, hash) and that incident has a purge in progress ('purging', set and
cleared inside the purge's transaction) recorded after the event. The guard protects against
mistakes in the service; someone who can drop triggers is caught by verify-timeline instead,
which accepts a rewritten event only when a genuine (keyed) purge record vouches for it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_SAME_PLACE = (
    "NEW.id = OLD.id AND NEW.incident_id = OLD.incident_id AND NEW.seq = OLD.seq "
    "AND NEW.kind = OLD.kind AND NEW.at = OLD.at AND NEW.organisation = OLD.organisation "
    "AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash"
)
_PURGING = (
    "EXISTS (SELECT 1 FROM incident_purges p WHERE p.incident_id = OLD.incident_id "
    "AND p.status = 'purging' AND OLD.seq < p.purge_seq)"
)
_REFUSE_SQLITE = "BEGIN SELECT RAISE(ABORT, 'timeline_events is append-only'); END"


def upgrade() -> None:
    op.create_table(
        "incident_purges",
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("closed_at", UtcDateTime, nullable=False),
        sa.Column("purged_at", UtcDateTime, nullable=False),
        sa.Column("purge_seq", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgres_guard(allow_purge=True)
    else:
        op.execute("DROP TRIGGER timeline_no_update")
        op.execute(
            "CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline_events "
            f"WHEN NOT ({_SAME_PLACE} AND {_PURGING}) {_REFUSE_SQLITE}"
        )


def _postgres_guard(*, allow_purge: bool) -> None:
    """The one function behind the row trigger (UPDATE, DELETE) and the TRUNCATE trigger; the
    trigger names stay as 0001 and 0006 made them. The test of TG_OP comes first, alone: a
    statement trigger (TRUNCATE) has no OLD row to read."""
    purge = (
        f"IF TG_OP = 'UPDATE' THEN IF {_SAME_PLACE} AND {_PURGING} THEN RETURN NEW; END IF; END IF;"
        if allow_purge
        else ""
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION timeline_append_only() RETURNS trigger AS $$ "
        f"BEGIN {purge} RAISE EXCEPTION 'timeline_events is append-only'; END; "
        "$$ LANGUAGE plpgsql"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_guard(allow_purge=False)
    else:
        op.execute("DROP TRIGGER timeline_no_update")
        op.execute(
            f"CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline_events {_REFUSE_SQLITE}"
        )
    op.drop_table("incident_purges")
