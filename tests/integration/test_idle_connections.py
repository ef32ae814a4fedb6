"""After a database restart the connections waiting in the pool are dead. One idle long enough
is tested before use and replaced, so the first command after an outage does not fail; one in
steady use is not tested, which spares a round trip per transaction under load."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.database import create_engine_for, parse_database_url


def _kill_other_backends(url: str) -> int:
    """What a restart does to the pool: every connection of the service is terminated."""
    with psycopg.connect(url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(killed[0]) if killed else 0


async def _pid(engine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_an_idle_connection_killed_by_a_restart_is_replaced(pg_database_url) -> None:
    engine = create_engine_for(parse_database_url(pg_database_url), ping_idle_after=0.0)
    try:
        before = await _pid(engine)
        assert _kill_other_backends(pg_database_url) >= 1
        after = await _pid(engine)  # no error: the dead connection was tested and replaced
        assert after != before
    finally:
        await engine.dispose()


async def test_a_connection_in_steady_use_is_not_tested(pg_database_url) -> None:
    """The other side of the trade: within the idle threshold a dead connection is only found
    by using it, and SQLAlchemy then invalidates the pool, so the next one works."""
    engine = create_engine_for(parse_database_url(pg_database_url), ping_idle_after=3600.0)
    try:
        await _pid(engine)
        _kill_other_backends(pg_database_url)
        with pytest.raises(DBAPIError):
            await _pid(engine)
        assert await _pid(engine) > 0
    finally:
        await engine.dispose()
