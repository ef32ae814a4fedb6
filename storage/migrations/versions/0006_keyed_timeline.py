"""The timeline keyed: HMAC chain, keyed chain heads and reference counters, and the append-only
rule extended to INSERT OR REPLACE (SQLite) and TRUNCATE (PostgreSQL).

Existing chains are re-keyed: every event's hash is recomputed as an HMAC under the service's
key (CIR_TIMELINE_KEY, or the generated key of the embedded default), each incident gets its
head, each counter its MAC. An incident whose old, unkeyed chain is already broken is left as
it is from its first break on (the events before it are re-keyed), so verify-timeline goes on
reporting it there: re-keying past the break would launder the tampering.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from bot.domain.seal import Binding, counter_mac, seal
from bot.domain.timeline import GENESIS_HASH, NewEvent, TimelineKey, chain
from storage.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

_events = sa.table(
    "timeline_events",
    sa.column("id", sa.Integer),
    sa.column("incident_id", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("actor_id", sa.String),
    sa.column("actor_name", sa.String),
    sa.column("organisation", sa.String),
    sa.column("at", UtcDateTime),
    sa.column("data", sa.JSON),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
_incidents = sa.table(
    "incidents",
    sa.column("id", sa.String),
    sa.column("reference", sa.String),
    sa.column("council_id", sa.String),
    sa.column("provider_ids", sa.JSON),
)
_heads = sa.table(
    "timeline_heads",
    *(sa.column(c) for c in ("incident_id", "reference", "council_id")),
    sa.column("provider_ids", sa.JSON),
    *(sa.column(c) for c in ("seq", "event_mac", "mac")),
)
_counters = sa.table(
    "reference_counters", sa.column("year", sa.Integer), sa.column("last", sa.Integer)
)


def upgrade() -> None:
    # the key is checked before any DDL: SQLite's driver commits ALTER TABLE on its own, so a
    # refusal half-way would leave a column behind that the next attempt trips over
    bind = op.get_bind()
    incidents = bind.execute(sa.select(_incidents)).all()
    counters = bind.execute(sa.select(_counters)).all()
    key = _key() if incidents or counters else None
    op.add_column(
        "reference_counters",
        sa.Column("mac", sa.String(64), nullable=False, server_default=""),
    )
    op.create_table(
        "timeline_heads",
        sa.Column("incident_id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("council_id", sa.String(80), nullable=False),
        sa.Column("provider_ids", sa.JSON, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("event_mac", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
    )
    _refuse_replace_and_truncate()
    if key is not None:
        _rekey(key, incidents, counters)


def _refuse_replace_and_truncate() -> None:
    """SQLite's INSERT OR REPLACE deletes the row in the way without firing DELETE triggers
    (unless recursive_triggers is on, per connection, which an intruder would not set); a
    BEFORE INSERT trigger sees the row still there and refuses. PostgreSQL's row triggers do
    not fire on TRUNCATE; a statement trigger does."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER timeline_no_truncate BEFORE TRUNCATE ON timeline_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION timeline_append_only()"
        )
        return
    op.execute(
        "CREATE TRIGGER timeline_no_replace BEFORE INSERT ON timeline_events "
        # two EXISTS, not one with OR, so each probe uses an index (the key, the unique pair)
        "WHEN EXISTS (SELECT 1 FROM timeline_events WHERE id = NEW.id) "
        "OR EXISTS (SELECT 1 FROM timeline_events "
        "WHERE incident_id = NEW.incident_id AND seq = NEW.seq) "
        "BEGIN SELECT RAISE(ABORT, 'timeline_events is append-only'); END"
    )


def _legacy_hash(row: Any) -> str:
    """The unkeyed hash every event had before this revision (bot.domain.timeline at 0005)."""
    body = {
        "incident_id": row.incident_id,
        "seq": row.seq,
        "kind": row.kind,
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "organisation": row.organisation,
        "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "data": row.data,
        "prev_hash": row.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(canonical).hexdigest()


def _legacy_intact_prefix(rows: list[Any]) -> int:
    """How many events, from the first, the old chain still vouches for."""
    prev, expected = GENESIS_HASH, 1
    for count, row in enumerate(rows):
        if row.seq != expected or row.prev_hash != prev or _legacy_hash(row) != row.hash:
            return count
        prev, expected = row.hash, row.seq + 1
    return len(rows)


def _key() -> TimelineKey:
    key = context.config.attributes.get("timeline_key")
    if not isinstance(key, TimelineKey):
        raise RuntimeError(
            "This database has incidents whose timelines must be re-keyed: migrate with the "
            "service's timeline key (CIR_TIMELINE_KEY; `python -m bot migrate` supplies it)."
        )
    return key


def _rekey(key: TimelineKey, incidents: Sequence[Any], counters: Sequence[Any]) -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    _append_only(postgres, enabled=False)
    for incident in incidents:
        rows = bind.execute(
            sa.select(_events).where(_events.c.incident_id == incident.id).order_by(_events.c.seq)
        ).all()
        seq, prev = 0, GENESIS_HASH
        intact = _legacy_intact_prefix(list(rows))
        for row in rows[:intact]:
            new = NewEvent(
                row.kind, row.actor_id, row.actor_name, row.organisation, row.at, row.data
            )
            event = chain(key, row.incident_id, row.seq, new, prev)
            bind.execute(
                sa.update(_events)
                .where(_events.c.id == row.id)
                .values(prev_hash=event.prev_hash, hash=event.hash)
            )
            seq, prev = event.seq, event.hash
        if intact < len(rows):
            log.warning("timeline of %s was already broken: left as it is", incident.reference)
            seq, prev = rows[-1].seq, rows[-1].hash
        binding = Binding(incident.reference, incident.council_id, tuple(incident.provider_ids))
        head = seal(key, incident.id, binding, seq, prev)
        bind.execute(
            _heads.insert().values(
                incident_id=head.incident_id,
                reference=binding.reference,
                council_id=binding.council_id,
                provider_ids=list(binding.provider_ids),
                seq=head.seq,
                event_mac=head.event_mac,
                mac=head.mac,
            )
        )
    _append_only(postgres, enabled=True)
    for counter in counters:
        bind.execute(
            sa.text("UPDATE reference_counters SET mac = :mac WHERE year = :year"),
            {"mac": counter_mac(key, counter.year, counter.last), "year": counter.year},
        )


def _append_only(postgres: bool, *, enabled: bool) -> None:
    """Off for the re-keying updates only, inside this migration's one transaction."""
    if postgres:
        verb = "ENABLE" if enabled else "DISABLE"
        op.execute(f"ALTER TABLE timeline_events {verb} TRIGGER timeline_append_only")
    elif enabled:
        op.execute(
            "CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline_events "
            "BEGIN SELECT RAISE(ABORT, 'timeline_events is append-only'); END"
        )
    else:
        op.execute("DROP TRIGGER timeline_no_update")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS timeline_no_truncate ON timeline_events")
    else:
        op.execute("DROP TRIGGER IF EXISTS timeline_no_replace")
    op.drop_table("timeline_heads")
    op.drop_column("reference_counters", "mac")
