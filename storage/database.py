"""Database URLs as people paste them, turned into the drivers this service uses.

Operators paste `postgresql://user:pw@host/db` or `sqlite:///path/cir.db`; we pick psycopg 3
(sync for migrations, async for the service) and aiosqlite ourselves so nobody has to know
SQLAlchemy's driver syntax.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

DEFAULT_SQLITE_PATH = "var/cir.db"
_log = logging.getLogger(__name__)


class DatabaseUrlError(ValueError):
    pass


@dataclass(frozen=True)
class DatabaseTarget:
    sync_url: URL
    async_url: URL

    @property
    def is_sqlite(self) -> bool:
        return self.sync_url.get_backend_name() == "sqlite"

    def redacted(self) -> str:
        return self.sync_url.render_as_string(hide_password=True)


_POSTGRES_SCHEMES = {"postgres", "postgresql"}


def parse_database_url(raw: str | None) -> DatabaseTarget:
    if raw is None or not raw.strip():
        raw = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    raw = raw.strip()
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseUrlError(
            f"DATABASE_URL is not a database URL: expected e.g. "
            f"'postgresql://user:password@host:5432/cir' or 'sqlite:///var/cir.db' "
            f"(got something starting {raw[:12]!r})."
        ) from None
    backend, _, _driver = url.drivername.partition("+")
    if backend in _POSTGRES_SCHEMES:
        if not url.host and not url.query.get("host"):
            raise DatabaseUrlError("DATABASE_URL names PostgreSQL but no host: add '@host/dbname'.")
        if not url.database:
            raise DatabaseUrlError("DATABASE_URL names PostgreSQL but no database: add '/dbname'.")
        sync = url.set(drivername="postgresql+psycopg")
        return DatabaseTarget(sync_url=sync, async_url=sync)
    if backend == "sqlite":
        database = url.database or ""
        if database.startswith("file:") and not _is_uri(url):
            # SQLite may read it as a URI or as a file's name depending on how it was built
            raise DatabaseUrlError(
                "DATABASE_URL names a 'file:' URI without '?uri=true': add it, or give a plain "
                "path (sqlite:///var/cir.db)."
            )
        if database and database != ":memory:" and not _is_uri(url):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return DatabaseTarget(
            sync_url=url.set(drivername="sqlite"), async_url=url.set(drivername="sqlite+aiosqlite")
        )
    raise DatabaseUrlError(
        f"DATABASE_URL uses '{backend}', which this service does not support: "
        "use postgresql://… or sqlite:///…"
    )


SQLITE_BUSY_TIMEOUT_MS = 30000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Per connection: wait for the writer instead of failing, and enforce foreign keys. The
    journal mode is not set here: WAL is a property of the file, set once by `_use_wal`."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _use_wal(target: DatabaseTarget) -> None:
    """Switch the file to WAL once, before the engine opens connections side by side.

    WAL persists in the file. Switching it from each new connection raced: several
    connections opening a file still in rollback mode at once each tried to convert it, and
    SQLite answers one of them "database is locked" without waiting (the busy timeout is
    skipped where waiting could deadlock). CI failed on it: with two engines opening six
    connections together on a new file, 14 runs in 200 failed; none in 300 since. Two
    processes starting together on a new file (the service and a `purge` job) still race
    here, so a refusal is tried again, within the busy timeout.

    A URL for a read-only or in-memory database is left as it is; a `file:` URI is opened as
    one, with its options."""
    url = target.sync_url
    database = url.database or ""
    options = {k: v for k, v in url.query.items() if k != "uri"}
    if not database or ":memory:" in database or options.get("mode") in ("ro", "memory"):
        return
    uri = _is_uri(url)
    if uri and options:
        database += "?" + urlencode(options, doseq=True)
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            mode = _switch_to_wal(database, uri)
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # at start-up only, and only while another process converts it
    if mode != "wal":
        # e.g. a filesystem without shared memory: the service still runs, but readers now
        # wait for the writer, which the answer times under load assume they do not
        _log.warning("SQLite kept journal mode %r instead of WAL for the database file", mode)


def _is_uri(url: URL) -> bool:
    """A `file:` URI only with `uri=true`, as SQLAlchemy's SQLite driver reads the URL (one
    without it is refused by `parse_database_url`)."""
    return str(url.query.get("uri", "")).lower() == "true"


def _switch_to_wal(database: str, uri: bool) -> str:
    connection = sqlite3.connect(database, uri=uri, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        (mode,) = connection.execute("PRAGMA journal_mode=WAL").fetchone()
    finally:
        connection.close()
    return str(mode).lower()


# A connection that sat in the pool this long is tested before use; one in steady use is not.
PING_IDLE_AFTER = 10.0


def _ping_if_idle(after: float) -> tuple[Any, Any]:
    """Pessimistic disconnect handling for connections that were idle: `pool_pre_ping` costs a
    round trip on every checkout, a tenth of the database work of a firing under a burst,
    where connections are never idle for long. After a database restart or failover, the
    connections that waited in the pool are the ones that are dead; a dead one is replaced
    before anyone uses it (DisconnectionError makes the pool connect afresh)."""

    def checkin(_dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < after:
            return
        try:
            cursor = dbapi.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as exc:
            raise DisconnectionError("idle connection is gone") from exc

    return checkin, checkout


def create_engine_for(
    target: DatabaseTarget,
    *,
    pool_size: int = 60,
    max_overflow: int = 0,
    ping_idle_after: float = PING_IDLE_AFTER,
) -> AsyncEngine:
    """Create the service's async engine; called by the composition root, never at import.

    Up to 60 PostgreSQL connections per process: under 500 activations at once the answers,
    the pages and the deadline loops hold one each, and with 30 the pages queued for a
    connection behind the answers (page p99 2.7 s; with 60, escalations p99 1.6 s). Several
    replicas need max_connections above 60 each.

    All 60 are kept once opened (no overflow): an overflow connection is closed when it is
    returned while the pool is full, so under a burst connections were opened and closed over
    and over, each a new server process and a handshake (500 at once: 72.8 ms of CPU per
    incident and answers p99 822 ms with 20 kept and 40 overflow; 68.9 ms and 727 ms with 60
    kept). Idle ones cost the server little, and are pinged before reuse."""
    if target.is_sqlite:
        _use_wal(target)
        engine = create_async_engine(target.async_url, poolclass=NullPool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(target.async_url, pool_size=pool_size, max_overflow=max_overflow)
    checkin, checkout = _ping_if_idle(ping_idle_after)
    event.listen(engine.sync_engine, "checkin", checkin)
    event.listen(engine.sync_engine, "checkout", checkout)
    return engine


def dialect_of(session: AsyncSession) -> str:
    """The session's database ("postgresql" or "sqlite"): where a statement differs by one."""
    return session.bind.dialect.name if session.bind else "sqlite"
