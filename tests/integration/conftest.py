"""Fixtures shared by the PostgreSQL tests of the deadline engine."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from storage import migrate
from storage.database import create_engine_for, parse_database_url
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import TIMELINE_KEY


@pytest.fixture
async def pg_uows(pg_database_url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    """A migrated PostgreSQL database with a `fired_log` that has no unique constraint, so a
    deadline fired twice would show up as two rows."""
    target = parse_database_url(pg_database_url)
    migrate.upgrade(target)
    engine = create_engine_for(target)
    async with engine.begin() as conn:
        await conn.execute(
            text("CREATE TABLE fired_log (deadline_id VARCHAR(36) NOT NULL, worker_id TEXT)")
        )
    yield SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    await engine.dispose()


@pytest.fixture
async def other_uows(pg_database_url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    """A second, independent engine on the same database: another replica's connection pool."""
    engine = create_engine_for(parse_database_url(pg_database_url))
    yield SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    await engine.dispose()
