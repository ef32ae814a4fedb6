"""Shared fixtures: a fake clock, the shipped policy, and migrated databases on SQLite and on
the real PostgreSQL server that scripts/test starts (TEST_POSTGRES_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.clock import FakeClock
from bot.policy.load import load_policy
from bot.policy.model import Policy
from bot.usecases.context import CoreContext
from storage import migrate
from storage.database import DatabaseTarget, create_engine_for, parse_database_url
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import TIMELINE_KEY

PG_URL = os.environ.get("TEST_POSTGRES_URL", "")

pytest_plugins = ["tests.integration.slack_harness", "tests.integration.teams_harness"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(DEFAULT_CONFIG_DIR)


@pytest.fixture
def ctx(clock: FakeClock, policy: Policy) -> CoreContext:
    return CoreContext(clock=clock, policy=policy)


def _require_pg() -> None:
    if not PG_URL:
        if os.environ.get("CIR_REQUIRE_POSTGRES") == "1":
            pytest.fail("CIR_REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL (set TEST_POSTGRES_URL, or run scripts/test)")


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """A brand-new, empty PostgreSQL database for one test, dropped afterwards."""
    _require_pg()
    name = f"cir_test_{uuid.uuid4().hex[:12]}"
    admin = PG_URL.replace("postgresql://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_URL.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cir.db'}"
    return str(request.getfixturevalue("pg_database_url"))


@pytest.fixture
def db_target(database_url: str) -> DatabaseTarget:
    target = parse_database_url(database_url)
    migrate.upgrade(target)
    return target


@pytest.fixture
async def uow_factory(db_target: DatabaseTarget) -> AsyncIterator[SqlUnitOfWorkFactory]:
    engine = create_engine_for(db_target)
    yield SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    await engine.dispose()
