"""Schema migrations: the service migrates on start, or refuses to start on a schema it does not
know, so it never half-works against an old or newer database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot.domain.timeline import TimelineKey
from storage.database import DatabaseTarget

_MIGRATIONS = Path(__file__).parent / "migrations"
# The PostgreSQL advisory lock every migrating process takes (any fixed 64-bit number will do;
# this one reads "CIR migrate").
_MIGRATION_LOCK = 0x0C1_2A16_2A7E


class SchemaError(RuntimeError):
    pass


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str

    @property
    def is_current(self) -> bool:
        return self.current == self.head


def status(target: DatabaseTarget) -> SchemaStatus:
    engine = create_engine(target.sync_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    return SchemaStatus(current=current, head=head_revision())


def upgrade(
    target: DatabaseTarget, key: TimelineKey | None = None, *, to: str = "head"
) -> SchemaStatus:
    """`key` is needed only to re-key timelines written before the chain was keyed (0006);
    a database with none to re-key migrates without it. `to` stops at an older revision
    (tests of a migration build the database as it was before it)."""
    before = status(target)
    known = {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}
    if before.current is not None and before.current not in known:
        raise SchemaError(
            f"The database is at schema revision {before.current}, which this version of the "
            "service does not know (it is newer). Deploy the newer service or restore a backup; "
            "refusing to start."
        )
    engine = create_engine(target.sync_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Replicas started together (first deploy, upgrade) take turns: the others wait
                # here, then find the schema at head and do nothing. Without it two of them
                # raced to create the same types (UniqueViolation) and one exited.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config = _config()
            config.attributes["connection"] = conn
            config.attributes["timeline_key"] = key
            command.upgrade(config, to)
    finally:
        engine.dispose()
    return status(target)


def require_current(target: DatabaseTarget) -> SchemaStatus:
    current = status(target)
    if not current.is_current:
        raise SchemaError(
            f"The database schema is at {current.current or 'nothing (empty database)'} but this "
            f"service needs {current.head}. Run `python -m bot migrate` (or start with "
            "CIR_AUTO_MIGRATE=1); refusing to start on an old schema."
        )
    return current
