"""A new SQLite file is switched to WAL once, before the engine opens connections side by side.

Switching from every new connection raced: one of several connections opening a file still in
rollback mode got "database is locked" at once, without the busy timeout (CI failed on it).
"""

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import migrate
from storage.database import create_engine_for, parse_database_url


def _journal_mode(path: Path) -> str:
    """Read without setting it: what the file itself says."""
    connection = sqlite3.connect(path)
    try:
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    finally:
        connection.close()
    return str(mode)


def test_the_file_is_in_wal_before_the_engine_opens_any_connection(tmp_path: Path) -> None:
    path = tmp_path / "cir.db"
    target = parse_database_url(f"sqlite:///{path}")
    migrate.upgrade(target)
    assert _journal_mode(path) == "delete"  # what migrations leave: the case that raced
    engine = create_engine_for(target)
    assert _journal_mode(path) == "wal"
    asyncio.run(engine.dispose())


async def test_many_connections_opening_a_new_file_together_all_get_in(tmp_path: Path) -> None:
    path = tmp_path / "cir.db"
    target = parse_database_url(f"sqlite:///{path}")
    migrate.upgrade(target)
    engines = [create_engine_for(target) for _ in range(3)]

    async def read(engine_index: int) -> tuple[int, str]:
        async with engines[engine_index].connect() as conn:
            fk = (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one()
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
            return int(fk), str(mode)

    try:
        seen = await asyncio.gather(*(read(i % 3) for i in range(12)))
    finally:
        for engine in engines:
            await engine.dispose()
    assert seen == [(1, "wal")] * 12  # every connection still enforces foreign keys


def test_a_file_uri_is_switched_too_and_a_read_only_one_is_left_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a URI's folder was once made here, as if a relative path
    path = tmp_path / "cir.db"
    migrate.upgrade(parse_database_url(f"sqlite:///{path}"))
    read_only = parse_database_url(f"sqlite:///file:{path}?mode=ro&uri=true")
    asyncio.run(create_engine_for(read_only).dispose())
    assert _journal_mode(path) == "delete"  # asked for read-only: nothing written
    assert not (tmp_path / "file:").exists()
    as_uri = parse_database_url(f"sqlite:///file:{path}?uri=true")
    asyncio.run(create_engine_for(as_uri).dispose())
    assert _journal_mode(path) == "wal"
