"""Stop and start the tests' own PostgreSQL (the one scripts/pg-start made), as an outage.

pg_ctl refuses to run as root, so as root it runs as the `postgres` user, as scripts/pg-start
does. The server comes back on the same port and socket directory with the same settings.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from urllib.parse import urlparse

import pytest


def _pg_ctl() -> str:
    found = shutil.which("pg_ctl") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))), None
    )
    if found is None:
        pytest.skip("pg_ctl not found")
    return found


def _run(*args: str) -> None:
    command = [_pg_ctl(), *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    # the tests' own pg_ctl with fixed arguments, no input from anywhere else
    subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603


def pg_dir() -> str:
    directory = os.environ.get("CIR_PG_DIR", "")
    if not directory or not os.path.isdir(os.path.join(directory, "data")):
        pytest.skip(
            "the PostgreSQL outage needs the tests' own server (CIR_PG_DIR, scripts/pg-start)"
        )
    return directory


def stop_postgres() -> None:
    _run("-D", os.path.join(pg_dir(), "data"), "-m", "fast", "-w", "stop")


def start_postgres() -> None:
    directory = pg_dir()
    port = urlparse(os.environ["TEST_POSTGRES_URL"]).port
    options = (
        f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    )
    _run(
        "-D",
        os.path.join(directory, "data"),
        "-l",
        os.path.join(directory, "server.log"),
        "-w",
        "-o",
        options,
        "start",
    )
