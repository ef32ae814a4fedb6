"""Where the timeline's key comes from: CIR_TIMELINE_KEY, or, for the embedded default only,
a file the service generates beside its SQLite database.

In production (Settings.production: CIR_ENV=production or a PostgreSQL database) the key must
come from the environment (a secret store), never from a file on the same host as the data,
and the service refuses to start without it. For the zero-set-up SQLite default a random key
is generated once into `timeline.key` next to the database file (mode 0600), so trying the
service out needs nothing; that key protects against edits through SQL, not against someone
who can read the file.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

from bot.app.settings import Settings
from bot.domain.timeline import MIN_KEY_BYTES, TimelineKey
from bot.policy.errors import ConfigError
from storage.database import DEFAULT_SQLITE_PATH, parse_database_url

KEY_FILE_NAME = "timeline.key"


def _from_text(raw: str, where: str) -> TimelineKey:
    secret = raw.strip().encode()
    if len(secret) < MIN_KEY_BYTES:
        raise ConfigError(
            "(environment)",
            where,
            f"the timeline key is {len(secret)} characters; it needs at least {MIN_KEY_BYTES}",
            "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'",
        )
    return TimelineKey(secret)


def key_file_for(settings: Settings) -> Path:
    if settings.timeline_key_file:
        return Path(settings.timeline_key_file)
    database = parse_database_url(settings.database_url).sync_url.database
    if not database or database == ":memory:":
        database = DEFAULT_SQLITE_PATH
    return Path(database).expanduser().parent / KEY_FILE_NAME


def _generated(path: Path) -> TimelineKey:
    """Create the file once (O_EXCL, 0600, so two processes starting together agree on one
    key), then read it; refuse a key file others can read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            str(path),
            "mode",
            f"the timeline key file is readable by others ({mode:o})",
            f"chmod 600 {path}",
        )
    return _from_text(path.read_text(), str(path))


def _holds_incidents(settings: Settings) -> bool:
    """Whether the SQLite database already holds incidents (read with the standard library:
    this runs before the service's engine exists)."""
    database = parse_database_url(settings.database_url).sync_url.database
    if not database or database == ":memory:" or not Path(database).expanduser().is_file():
        return False
    try:
        with closing(
            sqlite3.connect(f"file:{Path(database).expanduser()}?mode=ro", uri=True)
        ) as db:
            return bool(db.execute("SELECT EXISTS (SELECT 1 FROM incidents)").fetchone()[0])
    except sqlite3.Error:  # no incidents table yet: a new database
        return False


def timeline_key(settings: Settings) -> TimelineKey:
    if settings.timeline_key:
        return _from_text(settings.timeline_key, "CIR_TIMELINE_KEY")
    if settings.production:
        raise ConfigError(
            "(environment)",
            "CIR_TIMELINE_KEY",
            "is required in production (CIR_ENV=production or a PostgreSQL database): it keys "
            "the timeline's tamper-evident chain",
            "set it from your secret store; generate one with "
            "python -c 'import secrets; print(secrets.token_hex(32))'",
        )
    path = key_file_for(settings)
    if not path.exists() and _holds_incidents(settings):
        # A new key would make every existing chain read as forged (and refuse every write):
        # a lost key is said as such, never silently replaced.
        raise ConfigError(
            str(path),
            "(file)",
            "the timeline key file is missing, but the database already holds incidents "
            "whose timelines were keyed with it",
            "restore the file from your backup (or set CIR_TIMELINE_KEY to the key)",
        )
    return _generated(path)
