"""Where the timeline key comes from: the environment in production, a generated 0600 file
beside the SQLite database otherwise."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.app.settings import load_settings
from bot.app.timeline_key import timeline_key
from bot.domain.timeline import GENESIS_HASH, NewEvent, chain
from bot.policy.errors import ConfigError
from tests.unit.test_timeline_chain import T0

EVENT = NewEvent("Note", "u", "U", "o", T0, {})


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": "postgresql://cir@db.internal/cir"},
        {"DATABASE_URL": "postgres://cir@db.internal/cir"},
        {"CIR_ENV": "production"},
    ],
)
def test_production_refuses_to_start_without_a_key(env: dict[str, str], tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cir.db'}", **env}
    with pytest.raises(ConfigError, match="CIR_TIMELINE_KEY.*required in production"):
        timeline_key(load_settings(env))
    assert not (tmp_path / "timeline.key").exists()


def test_the_embedded_default_generates_one_key_beside_the_database(tmp_path: Path) -> None:
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'cir.db'}"})
    first, again = timeline_key(settings), timeline_key(settings)
    path = tmp_path / "data" / "timeline.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert chain(first, "i", 1, EVENT, GENESIS_HASH) == chain(again, "i", 1, EVENT, GENESIS_HASH)
    assert repr(first) == "TimelineKey(…)"  # never printed, even by accident


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "timeline.key"
    path.write_text("x" * 64)
    path.chmod(0o644)
    settings = load_settings({"CIR_TIMELINE_KEY_FILE": str(path)})
    with pytest.raises(ConfigError, match="readable by others.*chmod 600"):
        timeline_key(settings)


def test_the_environment_key_wins_and_must_be_long_enough(tmp_path: Path) -> None:
    url = "postgresql://cir@db.internal/cir"
    with pytest.raises(ConfigError, match="at least 32"):
        timeline_key(load_settings({"DATABASE_URL": url, "CIR_TIMELINE_KEY": "short"}))
    a = timeline_key(load_settings({"DATABASE_URL": url, "CIR_TIMELINE_KEY": "a" * 32}))
    b = timeline_key(load_settings({"DATABASE_URL": url, "CIR_TIMELINE_KEY": "b" * 32}))
    assert chain(a, "i", 1, EVENT, GENESIS_HASH).hash != chain(b, "i", 1, EVENT, GENESIS_HASH).hash


def test_a_lost_key_file_for_a_database_with_incidents_is_refused_not_replaced(
    tmp_path: Path,
) -> None:
    """A new key would read every existing chain as forged: a lost key is said as such."""
    import sqlite3

    database = tmp_path / "cir.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE incidents (id TEXT)")
        db.execute("INSERT INTO incidents VALUES ('i1')")
    settings = load_settings({"DATABASE_URL": f"sqlite:///{database}"})
    with pytest.raises(ConfigError, match="key file is missing.*restore"):
        timeline_key(settings)
    assert not (tmp_path / "timeline.key").exists()


def test_the_shipped_image_runs_as_production() -> None:
    """So it never keeps a generated key on the database's own volume."""
    dockerfile = (Path(__file__).resolve().parents[2] / "Dockerfile").read_text()
    assert "CIR_ENV=production" in dockerfile
